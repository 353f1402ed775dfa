using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Workspaces;
using Workspaces.Web.Audit;
using Workspaces.Web.Authorization;

namespace Workspaces.Web.Sharing;

/// <summary>
/// Shares a workspace with named members of its team: read-only (watch its terminals) or full (type too). Taking a
/// share back cuts the terminals that person has attached.
/// </summary>
public sealed class WorkspaceSharingService(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    AccessService access,
    AuditLog audit,
    LiveSessions liveSessions,
    TimeProvider timeProvider)
{
    public async Task<Outcome<IReadOnlyList<WorkspaceShareView>>> ListAsync(string userId, string workspaceId, CancellationToken cancellationToken)
    {
        var found = await access.ForWorkspaceAsync(userId, workspaceId, cancellationToken);
        if (found is null || !found.Can(Permission.WorkspaceView))
        {
            return Outcome<IReadOnlyList<WorkspaceShareView>>.NotFound();
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var shares = await db.WorkspaceShares.Where(s => s.WorkspaceId == workspaceId)
            .Join(db.Users, s => s.UserId, u => u.Id, (s, u) => new WorkspaceShareView(u.Id, u.Email ?? u.Id, s.Access, s.CreatedAt))
            .ToListAsync(cancellationToken);
        return Outcome<IReadOnlyList<WorkspaceShareView>>.Ok(shares);
    }

    /// <summary>How the workspace page names the owner to someone it is shared with.</summary>
    public async Task<string> OwnerNameAsync(WorkspaceAccess found, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(found);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ownerId = found.Workspace.OwnerId;
        return await db.Users.Where(u => u.Id == ownerId).Select(u => u.Email).FirstOrDefaultAsync(cancellationToken) ?? "its owner";
    }

    /// <summary>The people the workspace can be shared with: members of its team (of any team of its owner's, for a personal workspace).</summary>
    public async Task<IReadOnlyList<WorkspaceShareCandidate>> CandidatesAsync(WorkspaceAccess found, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(found);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ownerId = found.Workspace.OwnerId;
        var teamIds = found.TeamId is { } teamId
            ? [teamId]
            : await db.TeamMembers.Where(m => m.UserId == ownerId).Select(m => m.TeamId).ToListAsync(cancellationToken);
        return await db.TeamMembers.Where(m => teamIds.Contains(m.TeamId) && m.UserId != ownerId)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new WorkspaceShareCandidate(u.Id, u.Email ?? u.Id))
            .Distinct()
            .ToListAsync(cancellationToken);
    }

    public async Task<Outcome<WorkspaceShareView>> ShareAsync(string userId, string workspaceId, string? email, WorkspaceShareAccess shareAccess, CancellationToken cancellationToken)
    {
        var found = await access.ForWorkspaceAsync(userId, workspaceId, cancellationToken);
        if (found is null || !found.Can(Permission.WorkspaceView))
        {
            return Outcome<WorkspaceShareView>.NotFound();
        }

        if (!found.Can(Permission.WorkspaceShare))
        {
            return Outcome<WorkspaceShareView>.Forbidden("Only the workspace's owner may share it.");
        }

        if (string.IsNullOrWhiteSpace(email))
        {
            return Outcome<WorkspaceShareView>.Invalid("email", "Required.");
        }

        var candidate = (await CandidatesAsync(found, cancellationToken)).FirstOrDefault(c => string.Equals(c.Email, email.Trim(), StringComparison.OrdinalIgnoreCase));
        if (candidate is null)
        {
            return Outcome<WorkspaceShareView>.Invalid("email", "A workspace can be shared only with members of its team.");
        }

        var now = timeProvider.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var share = await db.WorkspaceShares.FirstOrDefaultAsync(s => s.WorkspaceId == workspaceId && s.UserId == candidate.UserId, cancellationToken);
        if (share is null)
        {
            share = new WorkspaceShare { WorkspaceId = workspaceId, UserId = candidate.UserId, CreatedAt = now };
            db.WorkspaceShares.Add(share);
        }

        var downgraded = share.Access == WorkspaceShareAccess.Full && shareAccess == WorkspaceShareAccess.ReadOnly;
        share.Access = shareAccess;
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(userId, AuditActions.WorkspaceShared, AuditTargets.Workspace, workspaceId, $"with {candidate.Email}, {shareAccess}", cancellationToken);
        if (downgraded)
        {
            // A full connection becomes a read-only one only by connecting again.
            await liveSessions.RecheckAsync(candidate.UserId, cancellationToken);
        }

        return Outcome<WorkspaceShareView>.Ok(new WorkspaceShareView(candidate.UserId, candidate.Email, shareAccess, share.CreatedAt));
    }

    public async Task<Outcome<bool>> UnshareAsync(string userId, string workspaceId, string targetUserId, CancellationToken cancellationToken)
    {
        var found = await access.ForWorkspaceAsync(userId, workspaceId, cancellationToken);
        if (found is null || !found.Can(Permission.WorkspaceView))
        {
            return Outcome<bool>.NotFound();
        }

        // The owner takes a share back; whoever it was shared with may drop it.
        if (!found.Can(Permission.WorkspaceShare) && userId != targetUserId)
        {
            return Outcome<bool>.Forbidden("Only the workspace's owner may change who it is shared with.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.WorkspaceShares.Where(s => s.WorkspaceId == workspaceId && s.UserId == targetUserId).ExecuteDeleteAsync(cancellationToken) == 0)
        {
            return Outcome<bool>.NotFound();
        }

        await audit.RecordAsync(userId, AuditActions.WorkspaceUnshared, AuditTargets.Workspace, workspaceId, $"user {targetUserId}", cancellationToken);
        await liveSessions.RecheckAsync(targetUserId, cancellationToken);
        return Outcome<bool>.Ok(true);
    }
}

public sealed record WorkspaceShareView(string UserId, string Email, WorkspaceShareAccess Access, DateTimeOffset CreatedAt);

public sealed record WorkspaceShareCandidate(string UserId, string Email);

/// <summary>How the caller stands to a workspace, and what that allows (the pages and scripts adapt to it).</summary>
public sealed record WorkspaceAccessView(IReadOnlyList<Relation> Relations, IReadOnlyList<Permission> Permissions)
{
    public static WorkspaceAccessView From(WorkspaceAccess found)
    {
        ArgumentNullException.ThrowIfNull(found);
        return new(
            [.. found.Relations.Order()],
            [.. AccessPolicy.PermissionsOf(ResourceKind.Workspace).Where(found.Can)]);
    }
}
