namespace Workspaces.WorkspaceController.Runtime;

/// <summary>
/// Implemented by runtimes that learn of changes on their own (the Kubernetes runtime's watch): a pod that crashed or was
/// evicted reaches the web app's reconcile queue at once instead of at the next periodic resync.
/// </summary>
public interface IWorkspaceRuntimeChanges
{
    /// <summary>Raised with the workspace's id; handlers must be quick (enqueue, don't work).</summary>
    event Action<string>? Changed;
}
