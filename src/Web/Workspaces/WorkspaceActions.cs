using Workspaces.Web.Authorization;
using Workspaces.Web.SourceControl;

namespace Workspaces.Web.Workspaces;

/// <summary>What a page may do to a workspace it shows (the dashboard's rows, the workspace page); the service checks access.</summary>
public interface IWorkspaceActions
{
    Task<Outcome<WorkspaceView>> StartAsync(string userId, string workspaceId, CancellationToken cancellationToken);

    Task<Outcome<WorkspaceView>> StopAsync(string userId, string workspaceId, CancellationToken cancellationToken);

    Task<Outcome<WorkspaceView>> RestartAsync(string userId, string workspaceId, CancellationToken cancellationToken);

    Task<Outcome<WorkspaceView>> DeleteAsync(string userId, string workspaceId, CancellationToken cancellationToken);

    /// <summary>The workspace's Git summary now (asked of its agent when it runs), for the delete confirmation.</summary>
    Task<WorkspaceGitView?> CheckGitAsync(string userId, string workspaceId, CancellationToken cancellationToken);
}

/// <summary>The actions both page clients share, through <see cref="WorkspaceService"/> and <see cref="WorkspaceGit"/>.</summary>
public abstract class WorkspaceActions(WorkspaceService workspaces, WorkspaceGit git) : IWorkspaceActions
{
    protected WorkspaceService Workspaces => workspaces;

    public Task<Outcome<WorkspaceView>> StartAsync(string userId, string workspaceId, CancellationToken cancellationToken) =>
        workspaces.StartAsync(userId, workspaceId, cancellationToken);

    public Task<Outcome<WorkspaceView>> StopAsync(string userId, string workspaceId, CancellationToken cancellationToken) =>
        workspaces.StopAsync(userId, workspaceId, cancellationToken);

    public Task<Outcome<WorkspaceView>> RestartAsync(string userId, string workspaceId, CancellationToken cancellationToken) =>
        workspaces.RestartAsync(userId, workspaceId, cancellationToken);

    public Task<Outcome<WorkspaceView>> DeleteAsync(string userId, string workspaceId, CancellationToken cancellationToken) =>
        workspaces.DeleteAsync(userId, workspaceId, cancellationToken);

    public Task<WorkspaceGitView?> CheckGitAsync(string userId, string workspaceId, CancellationToken cancellationToken) =>
        git.CheckAsync(userId, workspaceId, cancellationToken);
}
