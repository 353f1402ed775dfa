using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.WorkspaceController.Local.Sandbox;

namespace Workspaces.Web.Workspaces;

/// <summary>
/// Where workspaces were asked to be sandboxed (<c>Workspaces:Isolation=Sandbox</c>, the default) and this machine cannot
/// (see <see cref="WorkspaceSandbox"/>), they run unisolated: then only one account may have workspaces, until an
/// administrator accepts an unisolated server with <c>Workspaces:Isolation=None</c>.
/// </summary>
public sealed class IsolationGate(IDbContextFactory<WorkspacesDbContext> dbFactory, WorkspaceSandbox? sandbox = null)
{
    /// <summary>The sandbox's state; null with a runtime that separates workspaces itself (Kubernetes).</summary>
    public async Task<SandboxStatus?> StatusAsync() => sandbox is null ? null : await sandbox.StatusAsync();

    /// <summary>Why <paramref name="userId"/> may not create a workspace now, or null.</summary>
    public async Task<string?> RefusalAsync(string userId, CancellationToken cancellationToken)
    {
        if (await StatusAsync() is not { Degraded: true } status)
        {
            return null;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Workspaces.AnyAsync(w => w.OwnerId != userId, cancellationToken)
            ? $"Workspaces cannot be isolated from each other on this server ({status.Problem}), so only one account may have workspaces, and another one does. An administrator can fix the sandbox or accept an unisolated server with {SandboxOptions.IsolationKey}=None."
            : null;
    }
}
