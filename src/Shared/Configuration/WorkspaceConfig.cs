namespace Workspaces.Shared.Configuration;

/// <summary>
/// A repository's workspace configuration, merged from what the user already has: <c>.gitpod.yml</c> first, then
/// <c>.devcontainer/devcontainer.json</c> or <c>.devcontainer.json</c>. A malformed file never throws: its problem is in
/// <see cref="Errors"/> and the workspace starts anyway.
/// </summary>
/// <param name="Sources">Repository-relative paths of the files that were read, in order.</param>
/// <param name="Image">The toolchain image, if one was named (a Dockerfile reference is reported as a warning).</param>
/// <param name="Warnings">Unknown keys and unsupported features, each naming the file and key.</param>
/// <param name="Errors">Files that could not be read, each naming the file, line and what is wrong.</param>
public sealed record WorkspaceConfig(
    IReadOnlyList<string> Sources,
    string? Image,
    IReadOnlyList<WorkspaceTask> Tasks,
    IReadOnlyList<PortConfig> Ports,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<string> Errors)
{
    public static WorkspaceConfig Empty { get; } = new([], null, [], [], new Dictionary<string, string>(), [], []);
}

/// <summary>A task in the Gitpod sense: <c>before</c> and <c>command</c> run on every start, <c>init</c> once per workspace.</summary>
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
}

/// <summary>A declared port (or a range, <c>3000-3010</c>, as Gitpod allows).</summary>
public sealed record PortConfig(int Port, int? PortRangeEnd, string? Name, PortOnOpen OnOpen, PortVisibility Visibility);
