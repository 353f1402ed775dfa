using Workspaces.Shared.Reconciliation;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.Web.Workspaces;

/// <summary>Hands every change a runtime reports by itself (see <see cref="IWorkspaceRuntimeChanges"/>) to the reconcile queue.</summary>
public sealed class RuntimeChangesForwarder(IWorkspaceRuntimeChanges changes, WorkQueue queue) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        changes.Changed += queue.Add;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        changes.Changed -= queue.Add;
        return Task.CompletedTask;
    }
}
