namespace Workspaces.Shared.Reconciliation;

/// <summary>What the worker does with the key after a reconcile: nothing, or queue it again after a delay.</summary>
public readonly record struct ReconcileResult(TimeSpan? RequeueAfter)
{
    public static ReconcileResult Done => new(null);

    public static ReconcileResult After(TimeSpan delay) => new(delay);
}
