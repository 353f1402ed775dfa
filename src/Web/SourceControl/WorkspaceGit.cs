using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Shared.SourceControl;
using Workspaces.Web.Agents;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.SourceControl;

/// <summary>The Git summary of a workspace for its owner: asked of the agent now when it runs (the delete confirmation wants it fresh), else the last one seen.</summary>
public sealed partial class WorkspaceGit(AgentAccess agentAccess, AgentClient agents, IDbContextFactory<WorkspacesDbContext> dbFactory, ILogger<WorkspaceGit> logger)
{
    public async Task<WorkspaceGitView?> CheckAsync(string ownerId, string workspaceId, CancellationToken cancellationToken)
    {
        var agent = await agentAccess.FindAsync(ownerId, workspaceId, cancellationToken);
        if (agent is null)
        {
            return null;
        }

        if (agent.AgentUrl is not null)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                if (await agents.GetGitSummaryAsync(agent.AgentUrl, agent.Secret, timeout.Token) is { } git)
                {
                    await RecordAsync(dbFactory, workspaceId, git, cancellationToken);
                    return new WorkspaceGitView(git.Branch, git.UncommittedChanges, git.UnpushedCommits, git.CheckedAt);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                LogCheckFailed(workspaceId, ex.Message);
            }
        }

        return WorkspaceView.From(agent.Workspace).Git;
    }

    /// <summary>Keeps the summary on the workspace's row, so the dashboard shows it while the workspace is stopped too.</summary>
    internal static async Task RecordAsync(IDbContextFactory<WorkspacesDbContext> dbFactory, string workspaceId, GitSummary git, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Workspaces.Where(w => w.Id == workspaceId).ExecuteUpdateAsync(
            s => s.SetProperty(w => w.GitBranch, git.Branch)
                .SetProperty(w => w.GitUncommittedChanges, git.UncommittedChanges)
                .SetProperty(w => w.GitUnpushedCommits, git.UnpushedCommits)
                .SetProperty(w => w.GitCheckedAt, git.CheckedAt),
            cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Asking the agent of workspace {WorkspaceId} for its Git summary failed: {Reason}; showing the last one seen")]
    private partial void LogCheckFailed(string workspaceId, string reason);
}
