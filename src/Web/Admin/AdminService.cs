using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Users;
using Workspaces.Data.Workspaces;
using Workspaces.Web.Audit;
using Workspaces.Web.Authorization;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Admin;

/// <summary>What an administrator sees of the whole server, and blocking users. Callers check the caller is one.</summary>
public sealed class AdminService(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    IServiceScopeFactory scopes,
    AuditLog audit,
    LiveSessions liveSessions,
    WorkspaceService workspaces,
    Accounts.SessionRevocation sessions)
{
    public async Task<IReadOnlyList<AdminUserView>> UsersAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Users.AsNoTracking().OrderBy(u => u.Email)
            .Select(u => new AdminUserView(u.Id, u.Email ?? u.UserName ?? u.Id, u.IsAdministrator, u.IsBlocked, u.CreatedAt,
                db.Workspaces.Count(w => w.OwnerId == u.Id && w.DesiredState != DesiredState.Deleted)))
            .ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AdminTeamView>> TeamsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Teams.AsNoTracking().OrderBy(t => t.Name)
            .Select(t => new AdminTeamView(t.Id, t.Name, t.CreatedAt, db.TeamMembers.Count(m => m.TeamId == t.Id), db.Projects.Count(p => p.TeamId == t.Id)))
            .ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AdminProjectView>> ProjectsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Projects.AsNoTracking().OrderBy(p => p.Name)
            .Join(db.Teams, p => p.TeamId, t => t.Id, (p, t) => new AdminProjectView(p.Id, p.Name, t.Id, t.Name, p.RepositoryUrl, p.CreatedAt))
            .ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AdminWorkspaceView>> WorkspacesAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Workspaces.AsNoTracking().Where(w => w.DesiredState != DesiredState.Deleted)
            .Join(db.Users, w => w.OwnerId, u => u.Id, (w, u) => new { Workspace = w, Owner = u.Email ?? u.Id })
            .ToListAsync(cancellationToken);
        return rows.OrderByDescending(r => r.Workspace.LastActiveAt)
            .Select(r => new AdminWorkspaceView(WorkspaceView.From(r.Workspace), r.Workspace.OwnerId, r.Owner, r.Workspace.ProjectId))
            .ToList();
    }

    /// <summary>
    /// Blocks (or unblocks) a user: they cannot sign in or use tokens, their sessions end at the next request, their
    /// attached terminals are cut and their running workspaces stop.
    /// </summary>
    public async Task<Outcome<bool>> SetBlockedAsync(string adminId, string userId, bool blocked, CancellationToken cancellationToken)
    {
        if (adminId == userId)
        {
            return Outcome<bool>.Conflict("You cannot block yourself.");
        }

        await using (var scope = scopes.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var user = await users.FindByIdAsync(userId);
            if (user is null)
            {
                return Outcome<bool>.NotFound();
            }

            user.IsBlocked = blocked;
            user.LockoutEnabled = true;
            user.LockoutEnd = blocked ? DateTimeOffset.MaxValue : null;
            await users.UpdateAsync(user);
            // A new security stamp signs the user out of every browser at the next validation.
            await users.UpdateSecurityStampAsync(user);
        }

        await audit.RecordAsync(adminId, blocked ? AuditActions.UserBlocked : AuditActions.UserUnblocked, AuditTargets.User, userId, null, cancellationToken);
        if (blocked)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var running = await db.Workspaces.Where(w => w.OwnerId == userId && w.DesiredState == DesiredState.Running).Select(w => w.Id).ToListAsync(cancellationToken);
            await workspaces.StopAsSystemAsync(running, "Stopped: the owner was blocked by an administrator", cancellationToken);
            await liveSessions.RecheckAsync(null, cancellationToken);
            await sessions.SessionsChangedAsync(userId, cancellationToken);
        }

        return Outcome<bool>.Ok(true);
    }
}

public sealed record AdminUserView(string Id, string Email, bool IsAdministrator, bool IsBlocked, DateTimeOffset CreatedAt, int Workspaces);

public sealed record AdminTeamView(string Id, string Name, DateTimeOffset CreatedAt, int Members, int Projects);

public sealed record AdminProjectView(string Id, string Name, string TeamId, string TeamName, string RepositoryUrl, DateTimeOffset CreatedAt);

public sealed record AdminWorkspaceView(WorkspaceView Workspace, string OwnerId, string OwnerEmail, string? ProjectId);
