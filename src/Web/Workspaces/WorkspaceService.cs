using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Reconciliation;
using Workspaces.Shared.Repositories;
using Workspaces.Web.Agents;
using Workspaces.Web.Audit;
using Workspaces.Web.Authorization;
using Workspaces.Web.Hosting;

namespace Workspaces.Web.Workspaces;

/// <summary>
/// What users can ask of workspaces. Every method takes the caller's id and asks <see cref="AccessService"/>; a
/// workspace the caller may not even see is treated as missing, so the API answers 404 rather than revealing that it
/// exists. It records intent; the reconciler acts on it.
/// </summary>
public sealed partial class WorkspaceService(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    AgentSecrets agentSecrets,
    AccessService access,
    global::Workspaces.Web.Variables.VariableProtection variableProtection,
    AuditLog audit,
    WorkQueue queue,
    WorkspaceStatusFeed feed,
    Repositories.RepositoryGuard repositories,
    IsolationGate isolation,
    WorkspaceTelemetry telemetry,
    TimeProvider timeProvider,
    ILogger<WorkspaceService> logger)
{
    public Task<Outcome<WorkspaceView>> CreateAsync(string ownerId, string? repositoryUrl, string? gitRef, CancellationToken cancellationToken) =>
        CreateAsync(ownerId, repositoryUrl, gitRef, new WorkspaceCreationOptions(), cancellationToken);

    /// <param name="creation">The project it is opened from, and variables from an open link (already filtered).</param>
    public async Task<Outcome<WorkspaceView>> CreateAsync(
        string ownerId, string? repositoryUrl, string? gitRef, WorkspaceCreationOptions creation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(creation);
        if (string.IsNullOrWhiteSpace(repositoryUrl))
        {
            return Outcome<WorkspaceView>.Invalid("repositoryUrl", "Paste the URL of a Git repository, e.g. https://github.com/org/repo.");
        }

        if (!RepositoryReference.TryParse(repositoryUrl, string.IsNullOrWhiteSpace(gitRef) ? null : gitRef.Trim(), out var reference, out var error))
        {
            var field = error is not null && error.Contains("ref", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(gitRef) ? "ref" : "repositoryUrl";
            return Outcome<WorkspaceView>.Invalid(field, error ?? "This is not a Git repository URL.");
        }

        if (await repositories.ProblemAsync(reference, cancellationToken) is { } refused)
        {
            return Outcome<WorkspaceView>.Invalid("repositoryUrl", refused);
        }

        if (await isolation.RefusalAsync(ownerId, cancellationToken) is { } unisolated)
        {
            return Outcome<WorkspaceView>.Invalid("isolation", unisolated);
        }

        var now = timeProvider.GetUtcNow();
        var record = new WorkspaceRecord
        {
            Id = WorkspaceIds.Create(reference.RepositoryName),
            OwnerId = ownerId,
            RepositoryUrl = reference.CloneUrl,
            Ref = reference.Ref,
            // The project's name, else what tells workspaces apart at a glance: the repository's short name and branch.
            Name = creation.Name ?? (reference.Ref is { } branch ? $"{reference.RepositoryName} · {branch}" : reference.RepositoryName),
            CheckoutDirectoryName = reference.SuggestedDirectoryName,
            DesiredState = DesiredState.Running,
            Phase = WorkspacePhase.Queued,
            ProjectId = creation.ProjectId,
            IdleTimeout = creation.IdleTimeout,
            ProtectedLinkEnvironment = creation.LinkEnvironment is { Count: > 0 } link ? variableProtection.ProtectEnvironment(link) : null,
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
        await audit.RecordAsync(ownerId, AuditActions.WorkspaceCreated, AuditTargets.Workspace, record.Id,
            creation.ProjectId is null ? $"{record.Name}: {record.RepositoryUrl}" : $"{record.Name}: from project {creation.Name} ({record.RepositoryUrl})", cancellationToken);
        Changed(record);
        return Outcome<WorkspaceView>.Ok(WorkspaceView.From(record));
    }

    /// <summary>The caller's own workspaces, then those shared with them.</summary>
    public async Task<IReadOnlyList<WorkspaceView>> ListAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var own = await db.Workspaces.AsNoTracking()
            .Where(w => w.OwnerId == userId && w.DesiredState != DesiredState.Deleted)
            .OrderByDescending(w => w.LastActiveAt)
            .ToListAsync(cancellationToken);
        var sharedIds = await db.WorkspaceShares.Where(s => s.UserId == userId).Select(s => s.WorkspaceId).ToListAsync(cancellationToken);
        var views = own.Select(WorkspaceView.From).ToList();
        foreach (var id in sharedIds)
        {
            if (await access.ForWorkspaceAsync(userId, id, cancellationToken) is { } shared && shared.Can(Permission.WorkspaceView))
            {
                views.Add(WorkspaceView.From(shared.Workspace) with { SharedWithYou = true });
            }
        }

        return views;
    }

    public async Task<WorkspaceView?> GetAsync(string userId, string workspaceId, CancellationToken cancellationToken) =>
        await access.ForWorkspaceAsync(userId, workspaceId, cancellationToken) is { } found && found.Can(Permission.WorkspaceView)
            ? WorkspaceView.From(found.Workspace)
            : null;

    public async Task<WorkspaceDetails?> GetDetailsAsync(string userId, string workspaceId, CancellationToken cancellationToken)
    {
        var found = await access.ForWorkspaceAsync(userId, workspaceId, cancellationToken);
        if (found is null || !found.Can(Permission.WorkspaceView))
        {
            return null;
        }

        var record = found.Workspace;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var start = await db.WorkspaceStarts.AsNoTracking().Where(s => s.WorkspaceId == workspaceId).OrderByDescending(s => s.Id).FirstOrDefaultAsync(cancellationToken);
        var events = await db.WorkspaceEvents.AsNoTracking().Where(e => e.WorkspaceId == workspaceId).OrderByDescending(e => e.Id).Take(20).ToListAsync(cancellationToken);
        var agent = record.DesiredState == DesiredState.Running ? feed.GetAgentStatus(workspaceId) : null;
        return new WorkspaceDetails(
            WorkspaceView.From(record),
            start is null ? null : WorkspaceStartView.From(start),
            agent?.Tasks ?? [],
            record.Phase == WorkspacePhase.Cloning ? agent?.CloneProgress : null,
            agent?.Config,
            events.Select(e => new WorkspaceEventView(e.At, e.Kind, e.Message)).ToList()) { Prebuild = agent?.Prebuild };
    }

    /// <summary>Starts a stopped workspace, or retries a failed one.</summary>
    public Task<Outcome<WorkspaceView>> StartAsync(string userId, string workspaceId, CancellationToken cancellationToken) =>
        ChangeDesiredStateAsync(userId, workspaceId, Permission.WorkspaceStart, DesiredState.Running, null, AuditActions.WorkspaceStarted, cancellationToken);

    public Task<Outcome<WorkspaceView>> StopAsync(string userId, string workspaceId, CancellationToken cancellationToken) =>
        ChangeDesiredStateAsync(userId, workspaceId, Permission.WorkspaceStop, DesiredState.Stopped, WorkspaceReasons.StoppedByUser, AuditActions.WorkspaceStopped, cancellationToken);

    /// <summary>Stops the agent and everything it runs, then starts it again; files are kept.</summary>
    public Task<Outcome<WorkspaceView>> RestartAsync(string userId, string workspaceId, CancellationToken cancellationToken) =>
        ChangeDesiredStateAsync(userId, workspaceId, Permission.WorkspaceStart, DesiredState.Running, WorkspaceReasons.Restart, AuditActions.WorkspaceStarted, cancellationToken);

    /// <summary>Deletes the workspace and its files (uncommitted changes are lost: the pages ask first).</summary>
    public Task<Outcome<WorkspaceView>> DeleteAsync(string userId, string workspaceId, CancellationToken cancellationToken) =>
        ChangeDesiredStateAsync(userId, workspaceId, Permission.WorkspaceDelete, DesiredState.Deleted, null, AuditActions.WorkspaceDeleted, cancellationToken);

    /// <summary>Stops workspaces without asking who may (the system: a removed member's project workspaces).</summary>
    internal async Task StopAsSystemAsync(IEnumerable<string> workspaceIds, string reason, CancellationToken cancellationToken)
    {
        foreach (var id in workspaceIds)
        {
            var record = await SetDesiredStateAsync(id, DesiredState.Stopped, reason, cancellationToken);
            if (record is not null)
            {
                await audit.RecordAsync(null, AuditActions.WorkspaceStopped, AuditTargets.Workspace, id, reason, cancellationToken);
            }
        }
    }

    private async Task<Outcome<WorkspaceView>> ChangeDesiredStateAsync(
        string userId, string workspaceId, Permission permission, DesiredState desired, string? reason, string auditAction, CancellationToken cancellationToken)
    {
        var found = await access.ForWorkspaceAsync(userId, workspaceId, cancellationToken);
        if (found is null || !found.Can(Permission.WorkspaceView))
        {
            return Outcome<WorkspaceView>.NotFound();
        }

        if (!found.Can(permission))
        {
            return Outcome<WorkspaceView>.Forbidden("You may not do this to the workspace.");
        }

        var record = await SetDesiredStateAsync(workspaceId, desired, reason, cancellationToken);
        if (record is null)
        {
            return Outcome<WorkspaceView>.NotFound();
        }

        await audit.RecordAsync(userId, auditAction, AuditTargets.Workspace, workspaceId, reason, cancellationToken);
        return Outcome<WorkspaceView>.Ok(WorkspaceView.From(record));
    }

    private async Task<WorkspaceRecord?> SetDesiredStateAsync(string workspaceId, DesiredState desired, string? reason, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var updated = await db.Workspaces
            .Where(w => w.Id == workspaceId && w.DesiredState != DesiredState.Deleted)
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
        return record;
    }

    /// <summary>The workspace, if it is the caller's and not being deleted.</summary>
    internal static System.Linq.Expressions.Expression<Func<WorkspaceRecord, bool>> Owned(string ownerId, string workspaceId) =>
        w => w.Id == workspaceId && w.OwnerId == ownerId && w.DesiredState != DesiredState.Deleted;

    private void Changed(WorkspaceRecord record)
    {
        if (record.DesiredState == DesiredState.Running)
        {
            telemetry.Requested(record.Id);
        }

        queue.Add(record.Id);
        feed.PublishUpdated(record.Id, record.OwnerId);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {WorkspaceId} created by {OwnerId} for {RepositoryUrl}")]
    private partial void LogCreated(string workspaceId, string ownerId, string repositoryUrl);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {WorkspaceId} wanted {DesiredState}")]
    private partial void LogDesiredState(string workspaceId, DesiredState desiredState);
}

/// <param name="ProjectId">The team project the workspace is opened from (the caller checked the user may open it).</param>
/// <param name="LinkEnvironment">Variables from an open-workspace link, already through <see cref="Variables.LinkVariables"/>.</param>
/// <param name="IdleTimeout">The project's idle timeout, if it sets one.</param>
public sealed record WorkspaceCreationOptions(
    string? ProjectId = null, IReadOnlyDictionary<string, string>? LinkEnvironment = null, TimeSpan? IdleTimeout = null, string? Name = null);
