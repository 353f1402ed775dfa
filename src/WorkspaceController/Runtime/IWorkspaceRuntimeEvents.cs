namespace Workspaces.WorkspaceController.Runtime;

/// <summary>Something a runtime has to tell a workspace's user (a quota used up, cluster access unavailable at a start).</summary>
/// <param name="Kind">A short kebab-case name, such as <c>quota-exhausted</c>.</param>
public sealed record WorkspaceRuntimeEvent(string WorkspaceId, string Kind, string Message);

/// <summary>
/// Implemented by runtimes that have no event list of their own (the local runtime's cluster access): the web app records
/// what they report in the workspace's events. The Kubernetes runtime's controller writes Kubernetes events instead.
/// </summary>
public interface IWorkspaceRuntimeEvents
{
    /// <summary>Raised for each event; handlers must be quick (enqueue, don't work).</summary>
    event Action<WorkspaceRuntimeEvent>? Reported;
}
