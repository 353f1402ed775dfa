using Workspaces.Shared.Configuration;
using Workspaces.Web.Authorization;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Previews;

/// <summary>
/// Everything the ports panel shows and does for one workspace: a snapshot of its ports plus the stream of changes that
/// make it stale (as the Aspire Dashboard's <c>IDashboardClient</c>), and the visibility and share-link actions.
/// </summary>
public interface IPortsClient
{
    /// <summary>"the team Acme" when the workspace was opened from a team's project (who a Team port is for), else null.</summary>
    Task<string?> GetTeamNameAsync(string userId, string workspaceId, CancellationToken cancellationToken);

    /// <summary>The ports with their preview URLs on <paramref name="ide"/>'s preview domain; empty when the user may not see them.</summary>
    Task<PortsSnapshot> GetSnapshotAsync(string userId, string workspaceId, Uri ide, CancellationToken cancellationToken);

    /// <summary>Changes to the workspace (a port opened or closed, a visibility changed); each means the snapshot is stale.</summary>
    IAsyncEnumerable<WorkspaceChange> WatchAsync(string workspaceId, CancellationToken cancellationToken);

    /// <param name="service">A Service of the development namespace whose port this is; null for a port of the workspace.</param>
    Task<Outcome<bool>> SetVisibilityAsync(string userId, string who, string workspaceId, string? service, int port, PortVisibility visibility, CancellationToken cancellationToken);

    Task<Outcome<CreatedPreviewShareLink>> CreateShareLinkAsync(
        string userId, string who, string workspaceId, string? service, int port, string? label, TimeSpan lifetime, Uri ide, CancellationToken cancellationToken);

    Task<Outcome<bool>> RevokeShareLinkAsync(string userId, string who, string workspaceId, string linkId, CancellationToken cancellationToken);
}

public sealed class PortsClient(PreviewService previews, AccessService access, WorkspaceStatusFeed feed) : IPortsClient
{
    public async Task<string?> GetTeamNameAsync(string userId, string workspaceId, CancellationToken cancellationToken) =>
        // "Team" means the team of the project the workspace was opened from (as the preview proxy decides); a personal workspace has none.
        await access.ForWorkspaceAsync(userId, workspaceId, cancellationToken) is { TeamId: { } teamId }
            && await access.ForTeamAsync(userId, teamId, cancellationToken) is { } team
            ? $"the team {team.Team.Name}"
            : null;

    public async Task<PortsSnapshot> GetSnapshotAsync(string userId, string workspaceId, Uri ide, CancellationToken cancellationToken) =>
        new(await previews.ListPortsAsync(userId, workspaceId, ide.Scheme, new HostString(ide.Authority), cancellationToken) ?? []);

    public IAsyncEnumerable<WorkspaceChange> WatchAsync(string workspaceId, CancellationToken cancellationToken) =>
        feed.SubscribeAsync(change => change.WorkspaceId == workspaceId, cancellationToken);

    public Task<Outcome<bool>> SetVisibilityAsync(string userId, string who, string workspaceId, string? service, int port, PortVisibility visibility, CancellationToken cancellationToken) =>
        previews.SetVisibilityAsync(userId, who, workspaceId, port, visibility, service, cancellationToken);

    public Task<Outcome<CreatedPreviewShareLink>> CreateShareLinkAsync(
        string userId, string who, string workspaceId, string? service, int port, string? label, TimeSpan lifetime, Uri ide, CancellationToken cancellationToken) =>
        previews.CreateShareLinkAsync(userId, who, workspaceId, port, label, lifetime, ide.Scheme, new HostString(ide.Authority), service, cancellationToken);

    public Task<Outcome<bool>> RevokeShareLinkAsync(string userId, string who, string workspaceId, string linkId, CancellationToken cancellationToken) =>
        previews.RevokeShareLinkAsync(userId, who, workspaceId, linkId, cancellationToken);
}
