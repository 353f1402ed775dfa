namespace Workspaces.Shared.Configuration;

/// <summary>What one configuration file contributed, before <see cref="WorkspaceConfigReader"/> merges the files.</summary>
internal sealed class ConfigFragment(string source)
{
    public string Source => Problems.Source;

    public ConfigProblems Problems { get; } = new(source);

    public string? Image { get; set; }

    /// <summary>
    /// An image the file asks us to build or compose, as a clause for the user ("the Dockerfile "x" ("image.file") is not
    /// built"). The merge finishes the sentence with what is used instead, because only it knows.
    /// </summary>
    public string? UnbuiltImage { get; set; }

    public TextPosition? UnbuiltImageAt { get; set; }

    public List<WorkspaceTask> Tasks { get; } = [];

    /// <summary>The keys the tasks came from (for devcontainer.json, the lifecycle commands), for merge warnings.</summary>
    public List<string> TaskKeys { get; } = [];

    public List<PortConfig> Ports { get; } = [];

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public List<Languages.LanguageServerDefinition> LanguageServers { get; } = [];
}
