namespace Workspaces.WorkspaceController.Local.Sandbox;

/// <summary>How local workspaces are separated from each other and from the service (<c>Workspaces:Isolation</c>).</summary>
public enum WorkspaceIsolation
{
    /// <summary>Each agent, and all it starts, in a bubblewrap sandbox with its own network namespace (pasta).</summary>
    Sandbox,

    /// <summary>Agents are plain child processes of the service's user: an administrator accepted an unisolated server.</summary>
    None,
}

/// <summary>Settings of the local workspace sandbox (section <c>Workspaces</c>: <c>Isolation</c> and <c>Sandbox:*</c>).</summary>
public sealed class SandboxOptions
{
    public const string SectionName = "Workspaces";
    public const string IsolationKey = "Workspaces:Isolation";

    public WorkspaceIsolation Isolation { get; set; } = WorkspaceIsolation.Sandbox;

    public SandboxSettings Sandbox { get; set; } = new();
}

public sealed class SandboxSettings
{
    /// <summary>When the service runs as root, each workspace runs as its own user id, from this one up.</summary>
    public int FirstUid { get; set; } = 200_000;

    /// <summary>How many user ids workspaces may take (one per workspace, kept while the workspace exists).</summary>
    public int UidCount { get; set; } = 100_000;

    /// <summary>The system toolchain every workspace sees read-only (those that exist; symbolic links stay links).</summary>
    public IList<string> ReadOnlyPaths { get; } = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt"];

    /// <summary>Paths inside <see cref="ReadOnlyPaths"/> that workspaces must not see (the service's own configuration), hidden under an empty directory.</summary>
    public IList<string> HiddenPaths { get; } = ["/etc/workspaces"];

    /// <summary>
    /// TCP ports of this machine's loopback that workspaces may reach, at the same port of their own loopback (an internal
    /// Git server on this machine). Nothing else of the host's loopback is reachable from a workspace.
    /// </summary>
    public IList<int> HostLoopbackPorts { get; } = [];

    public string BubblewrapPath { get; set; } = "/usr/bin/bwrap";

    public string PastaPath { get; set; } = "/usr/bin/pasta";

    /// <summary>Takes the workspace's user id when the service runs as root, and ties pasta's life to its supervisor's (util-linux).</summary>
    public string SetprivPath { get; set; } = "/usr/bin/setpriv";

    /// <summary>Makes the user and network namespaces pasta attaches to (util-linux).</summary>
    public string UnsharePath { get; set; } = "/usr/bin/unshare";

    /// <summary>The POSIX shell that runs each sandbox's supervisor (<see cref="SandboxCommand.Supervisor"/>).</summary>
    public string ShellPath { get; set; } = "/bin/sh";
}
