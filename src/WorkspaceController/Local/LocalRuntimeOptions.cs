namespace Workspaces.WorkspaceController.Local;

/// <summary>Settings of the local process runtime (section <c>Workspaces:Runtime:Local</c>).</summary>
public sealed class LocalRuntimeOptions
{
    public const string SectionName = "Workspaces:Runtime:Local";

    /// <summary>Where each workspace gets its directory. Defaults to <c>{DataDirectory}/workspaces</c>.</summary>
    public string WorkspacesDirectory { get; set; } = "";

    /// <summary>The agent executable. Defaults to the copy next to the web app (<c>agent/Workspaces.WorkspaceAgent</c>).</summary>
    public string AgentPath { get; set; } = Path.Combine(AppContext.BaseDirectory, "agent", "Workspaces.WorkspaceAgent");

    /// <summary>How long an agent may take to listen after launch.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an agent gets to stop its tasks after SIGTERM before it is killed.</summary>
    public TimeSpan StopGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A clone larger than this fails with "disk limit reached"; 0 means no limit.</summary>
    public long DiskLimitBytes { get; set; } = 20L * 1024 * 1024 * 1024;
}
