namespace Workspaces.Shared.Configuration;

/// <summary>
/// A repository's workspace configuration, merged from what the user already has: <c>.gitpod.yml</c> first, then
/// <c>.devcontainer/devcontainer.json</c> or <c>.devcontainer.json</c>. A malformed file never throws: its problem is in
/// <see cref="Errors"/> and the workspace starts anyway.
/// </summary>
/// <remarks>How the files are found and merged is documented on <see cref="WorkspaceConfigReader"/>.</remarks>
/// <param name="Sources">Repository-relative paths of the configuration files found, in order, including those that had
/// errors (their problems are in <see cref="Errors"/>).</param>
/// <param name="Image">The toolchain image, if one was named (a Dockerfile reference is reported as a warning).</param>
/// <param name="Environment">Variables for every task and terminal (devcontainer.json's <c>containerEnv</c> and
/// <c>remoteEnv</c>); a task's own <see cref="WorkspaceTask.Environment"/> wins over these.</param>
/// <param name="Warnings">Unknown keys and unsupported features, each naming the file and key.</param>
/// <param name="Errors">What the user should fix, each naming the file, line and column when known, and what is wrong:
/// files that could not be read (nothing of them is used) and invalid values (only what they spoil is skipped).</param>
/// <param name="LanguageServers">Rows of the language server table the repository changes (<c>.gitpod.yml</c> <c>languageServers</c>).</param>
public sealed record WorkspaceConfig(
    IReadOnlyList<string> Sources,
    string? Image,
    IReadOnlyList<WorkspaceTask> Tasks,
    IReadOnlyList<PortConfig> Ports,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<string> Errors,
    IReadOnlyList<Languages.LanguageServerDefinition>? LanguageServers = null)
{
    public static WorkspaceConfig Empty { get; } = new([], null, [], [], new Dictionary<string, string>(), [], []);

    /// <summary>The declaration that applies to a port the workspace opened: the first that covers it, or null.</summary>
    public PortConfig? FindPort(int port)
    {
        foreach (var declared in Ports)
        {
            if (declared.Covers(port))
            {
                return declared;
            }
        }

        return null;
    }
}

/// <summary>A task in the Gitpod sense: <c>before</c> and <c>command</c> run on every start, <c>init</c> once per workspace.</summary>
/// <remarks>Tasks run side by side, each in its own terminal; within a task, <c>before</c>, <c>init</c> and <c>command</c> run in that order.</remarks>
public sealed record WorkspaceTask(string Name, string? Before, string? Init, string? Command, IReadOnlyDictionary<string, string> Environment);

public enum PortOnOpen
{
    Notify,
    OpenPreview,
    OpenBrowser,
    Ignore,
}

public enum PortVisibility
{
    Private,
    Public,

    /// <summary>Any signed-in member of the workspace's team (the team of the project it was opened from).</summary>
    Team,
}

/// <summary>A declared port (or a range, <c>3000-3010</c>, as Gitpod allows).</summary>
/// <param name="Port">The port, or the first port of the range.</param>
/// <param name="PortRangeEnd">The last port of the range (inclusive), or null for a single port.</param>
public sealed record PortConfig(int Port, int? PortRangeEnd, string? Name, PortOnOpen OnOpen, PortVisibility Visibility)
{
    /// <summary>Whether <paramref name="port"/> is this port or inside this range.</summary>
    public bool Covers(int port) => port == Port || (PortRangeEnd is { } end && port >= Port && port <= end);
}
