using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workspaces.Data;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Agent;
using Workspaces.Web.Agents;
using Workspaces.Shared.Repositories;
using Workspaces.Web.Hosting;

namespace Workspaces.Web.Workspaces;

/// <summary>
/// What users can ask of their workspaces. Every method takes the caller's id and treats another user's workspace as
/// missing, so the API answers 404 rather than revealing that it exists. It records intent; the reconciler acts on it.
/// </summary>
public sealed partial class WorkspaceService(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    AgentSecrets agentSecrets,
    ReconcileQueue queue,
    WorkspaceStatusFeed feed,
    IOptions<WorkspacesOptions> options,
    TimeProvider timeProvider,
    ILogger<WorkspaceService> logger)
{
    public async Task<CreateWorkspaceResult> CreateAsync(string ownerId, string? repositoryUrl, string? gitRef, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(repositoryUrl))
        {
            return CreateWorkspaceResult.Invalid("repositoryUrl", "Paste the URL of a Git repository, e.g. https://github.com/org/repo.");
        }

        if (!RepositoryReference.TryParse(repositoryUrl, string.IsNullOrWhiteSpace(gitRef) ? null : gitRef.Trim(), out var reference, out var error))
        {
            var field = error is not null && error.Contains("ref", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(gitRef) ? "ref" : "repositoryUrl";
            return CreateWorkspaceResult.Invalid(field, error ?? "This is not a Git repository URL.");
        }

        if (reference.Kind is RepositoryReferenceKind.File or RepositoryReferenceKind.LocalPath && LocalRepositoryProblem(reference) is { } localProblem)
        {
            return CreateWorkspaceResult.Invalid("repositoryUrl", localProblem);
        }

        var now = timeProvider.GetUtcNow();
        var record = new WorkspaceRecord
        {
            Id = WorkspaceIds.Create(reference.RepositoryName),
            OwnerId = ownerId,
            RepositoryUrl = reference.CloneUrl,
            Ref = reference.Ref,
            Name = reference.DisplayName,
            CheckoutDirectoryName = reference.SuggestedDirectoryName,
            DesiredState = DesiredState.Running,
            Phase = WorkspacePhase.Queued,
            ProtectedAgentSecret = agentSecrets.CreateProtected(),
            CreatedAt = now,
            LastActiveAt = now,
            Generation = 1,
        };
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            db.Workspaces.Add(record);
            await db.SaveChangesAsync(cancellationToken);
        }

        LogCreated(record.Id, ownerId, record.RepositoryUrl);
        Changed(record);
        return CreateWorkspaceResult.Created(WorkspaceView.From(record));
    }

    public async Task<IReadOnlyList<WorkspaceView>> ListAsync(string ownerId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var records = await db.Workspaces.AsNoTracking()
            .Where(w => w.OwnerId == ownerId && w.DesiredState != DesiredState.Deleted)
            .OrderByDescending(w => w.LastActiveAt)
            .ToListAsync(cancellationToken);
        return records.Select(WorkspaceView.From).ToList();
    }

    public async Task<WorkspaceView?> GetAsync(string ownerId, string workspaceId, CancellationToken cancellationToken)
    {
        var record = await FindAsync(ownerId, workspaceId, cancellationToken);
        return record is null ? null : WorkspaceView.From(record);
    }

    public async Task<WorkspaceDetails?> GetDetailsAsync(string ownerId, string workspaceId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var record = await db.Workspaces.AsNoTracking().FirstOrDefaultAsync(Owned(ownerId, workspaceId), cancellationToken);
        if (record is null)
        {
            return null;
        }

        var start = await db.WorkspaceStarts.AsNoTracking().Where(s => s.WorkspaceId == workspaceId).OrderByDescending(s => s.Id).FirstOrDefaultAsync(cancellationToken);
        var events = await db.WorkspaceEvents.AsNoTracking().Where(e => e.WorkspaceId == workspaceId).OrderByDescending(e => e.Id).Take(20).ToListAsync(cancellationToken);
        var agent = record.DesiredState == DesiredState.Running ? feed.GetAgentStatus(workspaceId) : null;
        return new WorkspaceDetails(
            WorkspaceView.From(record),
            start is null ? null : WorkspaceStartView.From(start),
            agent?.Tasks ?? [],
            record.Phase == WorkspacePhase.Cloning ? agent?.CloneProgress : null,
            agent?.Config,
            events.Select(e => new WorkspaceEventView(e.At, e.Kind, e.Message)).ToList());
    }

    /// <summary>Starts a stopped workspace, or retries a failed one.</summary>
    public Task<WorkspaceView?> StartAsync(string ownerId, string workspaceId, CancellationToken cancellationToken) =>
        ChangeDesiredStateAsync(ownerId, workspaceId, DesiredState.Running, null, cancellationToken);

    public Task<WorkspaceView?> StopAsync(string ownerId, string workspaceId, CancellationToken cancellationToken) =>
        ChangeDesiredStateAsync(ownerId, workspaceId, DesiredState.Stopped, WorkspaceReasons.StoppedByUser, cancellationToken);

    /// <summary>Stops the agent and everything it runs, then starts it again; files are kept.</summary>
    public Task<WorkspaceView?> RestartAsync(string ownerId, string workspaceId, CancellationToken cancellationToken) =>
        ChangeDesiredStateAsync(ownerId, workspaceId, DesiredState.Running, WorkspaceReasons.Restart, cancellationToken);

    /// <summary>Deletes the workspace and its files (uncommitted changes are lost: the pages ask first).</summary>
    public Task<WorkspaceView?> DeleteAsync(string ownerId, string workspaceId, CancellationToken cancellationToken) =>
        ChangeDesiredStateAsync(ownerId, workspaceId, DesiredState.Deleted, null, cancellationToken);

    private async Task<WorkspaceView?> ChangeDesiredStateAsync(string ownerId, string workspaceId, DesiredState desired, string? reason, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var updated = await db.Workspaces
            .Where(Owned(ownerId, workspaceId))
            .Where(w => w.DesiredState != DesiredState.Deleted)
            .ExecuteUpdateAsync(
                s => s.SetProperty(w => w.DesiredState, desired)
                    .SetProperty(w => w.DesiredStateReason, reason)
                    .SetProperty(w => w.Generation, w => w.Generation + 1)
                    .SetProperty(w => w.LastActiveAt, now),
                cancellationToken);
        if (updated == 0)
        {
            return null;
        }

        var record = await db.Workspaces.AsNoTracking().FirstAsync(w => w.Id == workspaceId, cancellationToken);
        LogDesiredState(workspaceId, desired);
        Changed(record);
        return WorkspaceView.From(record);
    }

    private async Task<WorkspaceRecord?> FindAsync(string ownerId, string workspaceId, CancellationToken cancellationToken)
    {
        if (!WorkspaceIds.IsValid(workspaceId))
        {
            return null;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Workspaces.AsNoTracking().FirstOrDefaultAsync(Owned(ownerId, workspaceId), cancellationToken);
    }

    /// <summary>The workspace, if it is the caller's and not being deleted: every per-workspace query starts here.</summary>
    internal static System.Linq.Expressions.Expression<Func<WorkspaceRecord, bool>> Owned(string ownerId, string workspaceId) =>
        w => w.Id == workspaceId && w.OwnerId == ownerId && w.DesiredState != DesiredState.Deleted;

    private void Changed(WorkspaceRecord record)
    {
        queue.Add(record.Id);
        feed.PublishUpdated(record.Id, record.OwnerId);
    }

    private string? LocalRepositoryProblem(RepositoryReference reference)
    {
        if (!options.Value.AllowLocalRepositories)
        {
            return "This server does not clone local paths or file:// URLs. Use an https:// URL.";
        }

        var path = Path.GetFullPath(reference.Kind == RepositoryReferenceKind.File ? new Uri(reference.CloneUrl).LocalPath : reference.CloneUrl);
        var data = Path.GetFullPath(options.Value.DataDirectory);
        return path.StartsWith(data + Path.DirectorySeparatorChar, StringComparison.Ordinal) || path == data
            ? "Workspaces cannot be cloned from the service's own data directory."
            : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {WorkspaceId} created by {OwnerId} for {RepositoryUrl}")]
    private partial void LogCreated(string workspaceId, string ownerId, string repositoryUrl);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {WorkspaceId} wanted {DesiredState}")]
    private partial void LogDesiredState(string workspaceId, DesiredState desiredState);
}

public sealed record CreateWorkspaceResult(WorkspaceView? Workspace, string? Field, string? Error)
{
    public static CreateWorkspaceResult Created(WorkspaceView workspace) => new(workspace, null, null);

    public static CreateWorkspaceResult Invalid(string field, string error) => new(null, field, error);
}
