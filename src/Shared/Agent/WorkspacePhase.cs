namespace Workspaces.Shared.Agent;

/// <summary>Where a workspace is on its way to ready, in the order the phases happen.</summary>
public enum WorkspacePhase
{
    Queued,
    StartingAgent,
    Cloning,
    RunningTasks,
    Ready,
    Failed,
    Stopping,
    Stopped,
}
