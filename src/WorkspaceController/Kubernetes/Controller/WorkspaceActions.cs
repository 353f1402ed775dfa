using k8s.Models;
using Workspaces.Shared.Reconciliation;

namespace Workspaces.WorkspaceController.Kubernetes.Controller;

/// <summary>One step of a pass, carried out in order by <see cref="WorkspaceResourceReconciler"/>.</summary>
public abstract record WorkspaceAction;

/// <summary>Create the pod the spec asks for; on success the status becomes <see cref="WorkspaceDecider.PodCreated"/>.</summary>
public sealed record CreatePod(string Name) : WorkspaceAction;

/// <summary>Delete the pod gracefully (the spec's stop grace period).</summary>
public sealed record DeletePod(string Name) : WorkspaceAction;

/// <summary>Delete the pod at once: its node stopped responding, so no kubelet will ever finish a graceful delete.</summary>
public sealed record ForceDeletePod(string Name) : WorkspaceAction;

/// <summary>Record a Kubernetes Event on the Workspace.</summary>
public sealed record RecordEvent(string Type, string Reason, string Message) : WorkspaceAction;

/// <summary>
/// Write the decided status now, before the steps after it: a failure is counted before its pod goes, so a 409 on that
/// write leaves the pod for the next pass to count.
/// </summary>
public sealed record WriteStatus : WorkspaceAction;

/// <summary>Log that the pod ended while the workspace should run.</summary>
public sealed record NotePodEnded(string PodName, string Reason, int Restarts) : WorkspaceAction;

/// <summary>A child of the workspace that is not its own (or that Kubernetes refused): the workspace fails with no pod.</summary>
public sealed record ChildrenProblem(string Reason, string Message);

/// <summary>What a pass sees of one Workspace whose children are in place (or known to be broken).</summary>
/// <param name="Workspace">The Workspace (spec and metadata) as the informer has it.</param>
/// <param name="Status">Its status as last written.</param>
/// <param name="Pod">Its pod as the informer has it; null if there is none.</param>
/// <param name="Now">The controller's clock.</param>
public sealed record WorkspaceObservation(WorkspaceResource Workspace, WorkspaceStatus Status, V1Pod? Pod, DateTimeOffset Now)
{
    /// <summary>The hash of the pod the spec asks for now (its spec and its bootstrap secret).</summary>
    public string ConfigHash { get; init; } = "";

    /// <summary>Set when the workspace's children cannot be made its own.</summary>
    public ChildrenProblem? ChildrenProblem { get; init; }

    /// <summary>Since when this controller has seen <see cref="Pod"/> terminating on a node that stopped responding.</summary>
    public DateTimeOffset? NodeLostSince { get; init; }
}

/// <summary>What a pass does: the new status, the steps towards it, and when to look again.</summary>
public sealed record WorkspaceDecision(WorkspaceStatus Status, IReadOnlyList<WorkspaceAction> Actions, ReconcileResult Result)
{
    /// <summary>Since when the observed pod has been terminating on a lost node, to remember for the next pass; null to forget.</summary>
    public DateTimeOffset? NodeLostSince { get; init; }
}
