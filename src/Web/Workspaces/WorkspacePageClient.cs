using Workspaces.Shared.Agent;
using Workspaces.Web.Agents;
using Workspaces.Web.Authorization;
using Workspaces.Web.Sharing;
using Workspaces.Web.SourceControl;

namespace Workspaces.Web.Workspaces;

/// <summary>
/// Everything the workspace page shows and does: a snapshot (the workspace's details and what the caller may do with
/// it) plus the stream of changes that make it stale, as the Aspire Dashboard's <c>IDashboardClient</c> does.
/// </summary>
public interface IWorkspacePageClient : IWorkspaceActions
{
    /// <summary>The workspace and the caller's access, asked each time (a share taken back shows at once); null if the caller may not see it.</summary>
    Task<WorkspacePageSnapshot?> GetSnapshotAsync(string userId, string workspaceId, CancellationToken cancellationToken);

    /// <summary>Changes to the workspace; each means the snapshot is stale.</summary>
    IAsyncEnumerable<WorkspaceChange> WatchAsync(string workspaceId, CancellationToken cancellationToken);

    /// <summary>What the workspace's agent last reported (phases, tasks), or null.</summary>
    AgentStatus? GetAgentStatus(string workspaceId);

    /// <summary>Who owns the workspace, for a team member, a share or an administrator looking at it.</summary>
    Task<string> OwnerNameAsync(WorkspaceAccess found, CancellationToken cancellationToken);

    /// <summary>An open page is activity: it keeps the workspace from being stopped as idle.</summary>
    Task TouchAsync(string workspaceId, CancellationToken cancellationToken);

    Task<TaskLogChunk?> ReadTaskLogAsync(string userId, string workspaceId, int index, long offset, CancellationToken cancellationToken);
}

public sealed record WorkspacePageSnapshot(WorkspaceDetails Details, WorkspaceAccess? Access);

public sealed class WorkspacePageClient(
    WorkspaceService workspaces,
    AccessService access,
    WorkspaceSharingService sharing,
    WorkspaceLogs logs,
    WorkspaceActivity activity,
    WorkspaceGit git,
    WorkspaceStatusFeed feed) : WorkspaceActions(workspaces, git), IWorkspacePageClient
{
    public async Task<WorkspacePageSnapshot?> GetSnapshotAsync(string userId, string workspaceId, CancellationToken cancellationToken) =>
        await Workspaces.GetDetailsAsync(userId, workspaceId, cancellationToken) is { } details
            ? new WorkspacePageSnapshot(details, await access.ForWorkspaceAsync(userId, workspaceId, cancellationToken))
            : null;

    public IAsyncEnumerable<WorkspaceChange> WatchAsync(string workspaceId, CancellationToken cancellationToken) =>
        feed.SubscribeAsync(change => change.WorkspaceId == workspaceId, cancellationToken);

    public AgentStatus? GetAgentStatus(string workspaceId) => feed.GetAgentStatus(workspaceId);

    public Task<string> OwnerNameAsync(WorkspaceAccess found, CancellationToken cancellationToken) => sharing.OwnerNameAsync(found, cancellationToken);

    public Task TouchAsync(string workspaceId, CancellationToken cancellationToken) => activity.TouchAsync(workspaceId, cancellationToken);

    public Task<TaskLogChunk?> ReadTaskLogAsync(string userId, string workspaceId, int index, long offset, CancellationToken cancellationToken) =>
        logs.ReadTaskLogAsync(userId, workspaceId, index, offset, cancellationToken);
}
