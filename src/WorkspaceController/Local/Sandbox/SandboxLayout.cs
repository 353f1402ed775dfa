using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceController.Local.Sandbox;

/// <summary>Where a sandbox keeps its things in the workspace's directory.</summary>
public static class SandboxLayout
{
    /// <summary>Mounted at <see cref="SandboxCommand.InsideSocketDirectory"/>: the agent's socket.</summary>
    public static string HostSocketDirectory(WorkspaceLayout layout) => Path.Combine(layout.StateDirectory, "run");

    public static string HostSocketPath(WorkspaceLayout layout) => Path.Combine(HostSocketDirectory(layout), SandboxCommand.SocketFileName);
}
