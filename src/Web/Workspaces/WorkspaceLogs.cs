using Workspaces.Web.Agents;

namespace Workspaces.Web.Workspaces;

/// <summary>Reads task output from a running workspace's agent for its owner.</summary>
public sealed class WorkspaceLogs(AgentAccess agentAccess, AgentClient agents)
{
    /// <summary>Null if the workspace is not the caller's; an empty chunk if its agent does not run.</summary>
    public async Task<TaskLogChunk?> ReadTaskLogAsync(string ownerId, string workspaceId, int index, long offset, CancellationToken cancellationToken)
    {
        var agent = await agentAccess.FindAsync(ownerId, workspaceId, Authorization.Permission.WorkspaceView, cancellationToken);
        if (agent is null)
        {
            return null;
        }

        return agent.AgentUrl is null
            ? new TaskLogChunk("", 0)
            : await agents.GetTaskLogAsync(agent.AgentUrl, agent.Secret, index, Math.Max(0, offset), cancellationToken);
    }
}
