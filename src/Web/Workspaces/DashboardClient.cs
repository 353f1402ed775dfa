using Workspaces.Web.Authorization;
using Workspaces.Web.Projects;
using Workspaces.Web.SourceControl;

namespace Workspaces.Web.Workspaces;

/// <summary>
/// Everything the dashboard shows and does, for one user: a snapshot (their workspaces and projects) plus the stream of
/// changes that make it stale, as the Aspire Dashboard's <c>IDashboardClient</c> does, so the page reads as "show the
/// snapshot, refresh on a change" and a test can drive it with a hand-written fake.
/// </summary>
public interface IDashboardClient : IWorkspaceActions
{
    Task<DashboardSnapshot> GetSnapshotAsync(string userId, CancellationToken cancellationToken);

    /// <summary>Changes to the user's own workspaces; each means the snapshot is stale.</summary>
    IAsyncEnumerable<WorkspaceChange> WatchAsync(string userId, CancellationToken cancellationToken);

    /// <summary>"1 task failed" for a running workspace whose agent said so, or null.</summary>
    string? TaskProblem(WorkspaceView workspace);

    Task<Outcome<WorkspaceView>> CreateAsync(string userId, string? repositoryUrl, string? gitRef, CancellationToken cancellationToken);
}

public sealed record DashboardSnapshot(IReadOnlyList<WorkspaceView> Workspaces, IReadOnlyList<MemberProjectView> Projects);

public sealed class DashboardClient(WorkspaceService workspaces, WorkspaceGit git, ProjectService projects, WorkspaceStatusFeed feed)
    : WorkspaceActions(workspaces, git), IDashboardClient
{
    public async Task<DashboardSnapshot> GetSnapshotAsync(string userId, CancellationToken cancellationToken) =>
        new(await Workspaces.ListAsync(userId, cancellationToken), await projects.ListForMemberAsync(userId, cancellationToken));

    public IAsyncEnumerable<WorkspaceChange> WatchAsync(string userId, CancellationToken cancellationToken) =>
        feed.SubscribeAsync(change => change.OwnerId == userId, cancellationToken);

    public string? TaskProblem(WorkspaceView workspace) =>
        feed.GetAgentStatus(workspace.Id) is { } status ? Workbench.TaskFailures.Summary(workspace, status.Tasks) : null;

    public Task<Outcome<WorkspaceView>> CreateAsync(string userId, string? repositoryUrl, string? gitRef, CancellationToken cancellationToken) =>
        Workspaces.CreateAsync(userId, repositoryUrl, gitRef, cancellationToken);
}
