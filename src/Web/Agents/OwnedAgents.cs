using Workspaces.Data.Workspaces;
using Workspaces.Web.Authorization;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.Web.Agents;

/// <summary>
/// Finds the agent of a workspace for a user who may use it (<see cref="AccessService"/>): the one lookup every
/// browser-facing path to an agent uses.
/// </summary>
public sealed class AgentAccess(AccessService access, IWorkspaceRuntime runtime, AgentSecrets agentSecrets)
{
    /// <summary>Null if the user may not <see cref="Permission.WorkspaceUseTerminals"/> (or the workspace is being deleted).</summary>
    public Task<AccessibleAgent?> FindAsync(string userId, string workspaceId, CancellationToken cancellationToken) =>
        FindAsync(userId, workspaceId, Permission.WorkspaceUseTerminals, cancellationToken);

    /// <summary>Null if the user may not do <paramref name="permission"/> to the workspace (or it is being deleted).</summary>
    public async Task<AccessibleAgent?> FindAsync(string userId, string workspaceId, Permission permission, CancellationToken cancellationToken)
    {
        var found = await access.ForWorkspaceAsync(userId, workspaceId, cancellationToken);
        if (found is null || !found.Can(permission))
        {
            return null;
        }

        var workspace = found.Workspace;
        var observed = await runtime.ObserveAsync(workspaceId, cancellationToken);
        var running = observed.State == RuntimeState.Running && workspace.DesiredState == DesiredState.Running;
        return new AccessibleAgent(workspace, running ? observed.AgentUrl : null, agentSecrets.Reveal(workspace), found);
    }
}

/// <param name="AgentUrl">Null when the workspace's agent does not run (or the workspace is being stopped).</param>
/// <param name="Access">How the caller stands to the workspace (a read-only share watches terminals without typing).</param>
public sealed record AccessibleAgent(WorkspaceRecord Workspace, Uri? AgentUrl, string Secret, WorkspaceAccess Access)
{
    public override string ToString() => $"AccessibleAgent {{ Workspace = {Workspace.Id}, AgentUrl = {AgentUrl} }}";
}
