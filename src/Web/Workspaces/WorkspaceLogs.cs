using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Workspaces;
using Workspaces.Web.Agents;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.Web.Workspaces;

/// <summary>Reads task output from a running workspace's agent for its owner.</summary>
public sealed class WorkspaceLogs(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    IWorkspaceRuntime runtime,
    AgentClient agents,
    AgentSecrets agentSecrets)
{
    /// <summary>Null if the workspace is not the caller's; an empty chunk if its agent does not run.</summary>
    public async Task<TaskLogChunk?> ReadTaskLogAsync(string ownerId, string workspaceId, int index, long offset, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var workspace = await db.Workspaces.AsNoTracking().FirstOrDefaultAsync(w => w.Id == workspaceId && w.OwnerId == ownerId && w.DesiredState != DesiredState.Deleted, cancellationToken);
        if (workspace is null)
        {
            return null;
        }

        var observed = await runtime.ObserveAsync(workspaceId, cancellationToken);
        if (observed.State != RuntimeState.Running)
        {
            return new TaskLogChunk("", 0);
        }

        return await agents.GetTaskLogAsync(observed.AgentUrl!, agentSecrets.Reveal(workspace), index, Math.Max(0, offset), cancellationToken);
    }
}
