namespace Workspaces.Data.Workspaces;

/// <summary>What the user asked for. The reconciler converges the runtime towards it.</summary>
public enum DesiredState
{
    Running,
    Stopped,
    Deleted,
}
