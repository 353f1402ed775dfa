using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Workspaces;
using Workspaces.Web.Workspaces;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.Web.Agents;

/// <summary>Finds the agent of a workspace for its owner: the one lookup every browser-facing path to an agent uses.</summary>
public sealed class OwnedAgents(IDbContextFactory<WorkspacesDbContext> dbFactory, IWorkspaceRuntime runtime, AgentSecrets agentSecrets)
{
    /// <summary>Null if the workspace is not the caller's (or is being deleted).</summary>
    public async Task<OwnedAgent?> FindAsync(string ownerId, string workspaceId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var workspace = await db.Workspaces.AsNoTracking().FirstOrDefaultAsync(WorkspaceService.Owned(ownerId, workspaceId), cancellationToken);
        if (workspace is null)
        {
            return null;
        }

        var observed = await runtime.ObserveAsync(workspaceId, cancellationToken);
        var running = observed.State == RuntimeState.Running && workspace.DesiredState == DesiredState.Running;
        return new OwnedAgent(workspace, running ? observed.AgentUrl : null, agentSecrets.Reveal(workspace));
    }
}

/// <param name="AgentUrl">Null when the workspace's agent does not run (or the workspace is being stopped).</param>
public sealed record OwnedAgent(WorkspaceRecord Workspace, Uri? AgentUrl, string Secret)
{
    public override string ToString() => $"OwnedAgent {{ Workspace = {Workspace.Id}, AgentUrl = {AgentUrl} }}";
}
