using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Teams;
using Workspaces.Web.Audit;
using Workspaces.Web.Authorization;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Teams;

/// <summary>Teams, their members and invitations. Every method checks the caller with <see cref="AccessService"/>.</summary>
public sealed partial class TeamService(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    AccessService access,
    AuditLog audit,
    LiveSessions liveSessions,
    WorkspaceService workspaces,
    Previews.PreviewConnections previewConnections,
    TimeProvider timeProvider,
    ILogger<TeamService> logger)
{
    public const string InvitationPathPrefix = "/invite/";
    public static readonly TimeSpan MaxInvitationLifetime = TimeSpan.FromDays(30);

    public async Task<Outcome<TeamSummary>> CreateAsync(string userId, string? name, CancellationToken cancellationToken)
    {
        if (NameProblem(name) is { } problem)
        {
            return Outcome<TeamSummary>.Invalid("name", problem);
        }

        var now = timeProvider.GetUtcNow();
        var team = new Team { Id = NewId(), Name = name!.Trim(), CreatedAt = now };
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            db.Teams.Add(team);
            db.TeamMembers.Add(new TeamMember { TeamId = team.Id, UserId = userId, Role = TeamRole.Owner, JoinedAt = now });
            await db.SaveChangesAsync(cancellationToken);
        }

        await audit.RecordAsync(userId, AuditActions.TeamCreated, AuditTargets.Team, team.Id, team.Name, cancellationToken);
        return Outcome<TeamSummary>.Ok(new TeamSummary(team.Id, team.Name, TeamRole.Owner, 1));
    }

    /// <summary>The teams the user is a member of.</summary>
    public async Task<IReadOnlyList<TeamSummary>> ListAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.TeamMembers.Where(m => m.UserId == userId)
            .Join(db.Teams, m => m.TeamId, t => t.Id, (m, t) => new { t.Id, t.Name, m.Role })
            .OrderBy(t => t.Name)
            .Select(t => new TeamSummary(t.Id, t.Name, t.Role, db.TeamMembers.Count(x => x.TeamId == t.Id)))
            .ToListAsync(cancellationToken);
    }

    public async Task<Outcome<TeamDetails>> GetAsync(string userId, string teamId, CancellationToken cancellationToken)
    {
        var found = await access.ForTeamAsync(userId, teamId, cancellationToken);
        if (Denied<TeamDetails>(found, Permission.TeamView) is { } denied)
        {
            return denied;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var members = await db.TeamMembers.Where(m => m.TeamId == teamId)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new TeamMemberView(u.Id, u.Email ?? u.UserName ?? u.Id, m.Role, m.JoinedAt))
            .ToListAsync(cancellationToken);
        var invitations = found!.Can(Permission.TeamInvite)
            ? (await db.TeamInvitations.AsNoTracking().Where(i => i.TeamId == teamId).ToListAsync(cancellationToken))
                .OrderByDescending(i => i.CreatedAt).Select(i => InvitationView.From(i, timeProvider.GetUtcNow())).ToList()
            : [];
        var projects = await db.Projects.AsNoTracking().Where(p => p.TeamId == teamId).OrderBy(p => p.Name)
            .Select(p => new TeamProjectView(p.Id, p.Name, p.RepositoryUrl)).ToListAsync(cancellationToken);
        var role = found.Relations.Contains(Relation.TeamOwner) ? TeamRole.Owner : found.Relations.Contains(Relation.TeamMember) ? TeamRole.Member : (TeamRole?)null;
        return Outcome<TeamDetails>.Ok(new TeamDetails(
            found.Team.Id,
            found.Team.Name,
            role,
            found.Can(Permission.TeamManageMembers),
            [.. members.OrderBy(m => m.Email, StringComparer.OrdinalIgnoreCase)],
            invitations,
            projects));
    }

    /// <summary>Makes an invitation link; the token is in the returned URL and nowhere else (only its hash is stored).</summary>
    public async Task<Outcome<CreatedInvitation>> InviteAsync(string userId, string teamId, InvitationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var found = await access.ForTeamAsync(userId, teamId, cancellationToken);
        if (Denied<CreatedInvitation>(found, Permission.TeamInvite) is { } denied)
        {
            return denied;
        }

        var lifetime = request.ExpiresInHours is { } hours ? TimeSpan.FromHours(hours) : TimeSpan.FromDays(7);
        if (lifetime <= TimeSpan.Zero || lifetime > MaxInvitationLifetime)
        {
            return Outcome<CreatedInvitation>.Invalid("expiresInHours", $"Between 1 hour and {MaxInvitationLifetime.TotalDays:0} days.");
        }

        if (request.MaxUses is < 1 or > 1000)
        {
            return Outcome<CreatedInvitation>.Invalid("maxUses", "Between 1 and 1000, or left out for any number of uses until it expires.");
        }

        var email = string.IsNullOrWhiteSpace(request.Email) ? null : request.Email.Trim();
        if (email is not null && (email.Length > FieldLengths.Name || !email.Contains('@', StringComparison.Ordinal) || email.Any(char.IsWhiteSpace)))
        {
            return Outcome<CreatedInvitation>.Invalid("email", "Not an email address.");
        }

        if (request.ProjectId is { } projectId)
        {
            await using var check = await dbFactory.CreateDbContextAsync(cancellationToken);
            if (!await check.Projects.AnyAsync(p => p.Id == projectId && p.TeamId == teamId, cancellationToken))
            {
                return Outcome<CreatedInvitation>.Invalid("projectId", "Not a project of this team.");
            }
        }

        var token = "wsi_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = timeProvider.GetUtcNow();
        var invitation = new TeamInvitation
        {
            Id = NewId(),
            TeamId = teamId,
            TokenHash = Hash(token),
            Email = email,
            Role = request.Role ?? TeamRole.Member,
            CreatedById = userId,
            CreatedAt = now,
            ExpiresAt = now + lifetime,
            // An invitation for one address is for one person.
            MaxUses = email is not null ? 1 : request.MaxUses,
        };
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            db.TeamInvitations.Add(invitation);
            await db.SaveChangesAsync(cancellationToken);
        }

        await audit.RecordAsync(userId, AuditActions.InvitationCreated, AuditTargets.Team, teamId,
            $"invitation {invitation.Id}{(email is null ? "" : " for " + email)}, role {invitation.Role}, {(invitation.MaxUses is { } m ? $"{m} use(s)" : "any number of uses")}, expires {invitation.ExpiresAt:u}",
            cancellationToken);
        return Outcome<CreatedInvitation>.Ok(new CreatedInvitation(InvitationView.From(invitation, now), InvitationPath(token, request.ProjectId)));
    }

    public async Task<Outcome<bool>> RevokeInvitationAsync(string userId, string teamId, string invitationId, CancellationToken cancellationToken)
    {
        var found = await access.ForTeamAsync(userId, teamId, cancellationToken);
        if (Denied<bool>(found, Permission.TeamInvite) is { } denied)
        {
            return denied;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        var revoked = await db.TeamInvitations.Where(i => i.Id == invitationId && i.TeamId == teamId && i.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.RevokedAt, now), cancellationToken);
        if (revoked == 0)
        {
            return Outcome<bool>.NotFound();
        }

        await audit.RecordAsync(userId, AuditActions.InvitationRevoked, AuditTargets.Team, teamId, $"invitation {invitationId}", cancellationToken);
        return Outcome<bool>.Ok(true);
    }

    /// <summary>What an invitation link shows before it is accepted (to anyone who has the link).</summary>
    public async Task<InvitationPreview?> PreviewAsync(string token, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var invitation = await FindAsync(db, token, cancellationToken);
        if (invitation is null)
        {
            return null;
        }

        var teamName = await db.Teams.Where(t => t.Id == invitation.TeamId).Select(t => t.Name).FirstAsync(cancellationToken);
        return new InvitationPreview(invitation.TeamId, teamName, invitation.Role, invitation.Email, UsableProblem(invitation));
    }

    /// <summary>Joins the team the invitation is for. Already a member: nothing changes (and no use is counted).</summary>
    public async Task<Outcome<TeamSummary>> AcceptAsync(string userId, string token, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var invitation = await FindAsync(db, token, cancellationToken);
        if (invitation is null)
        {
            return Outcome<TeamSummary>.NotFound();
        }

        var team = await db.Teams.AsNoTracking().FirstAsync(t => t.Id == invitation.TeamId, cancellationToken);
        var existing = await db.TeamMembers.AsNoTracking().FirstOrDefaultAsync(m => m.TeamId == team.Id && m.UserId == userId, cancellationToken);
        if (existing is not null)
        {
            return Outcome<TeamSummary>.Ok(new TeamSummary(team.Id, team.Name, existing.Role, 0));
        }

        if (UsableProblem(invitation) is { } problem)
        {
            return Outcome<TeamSummary>.Gone(problem);
        }

        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == userId, cancellationToken);
        if (invitation.Email is { } email && !string.Equals(email, user.Email, StringComparison.OrdinalIgnoreCase))
        {
            return Outcome<TeamSummary>.Forbidden($"This invitation is for {email}. Sign in with that address, or ask for another invitation.");
        }

        // Counted with a condition, so two people racing for the last use of a single-use link cannot both get in.
        var now = timeProvider.GetUtcNow();
        var counted = await db.TeamInvitations
            .Where(i => i.Id == invitation.Id && i.RevokedAt == null && i.ExpiresAt > now && (i.MaxUses == null || i.Uses < i.MaxUses))
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Uses, i => i.Uses + 1), cancellationToken);
        if (counted == 0)
        {
            return Outcome<TeamSummary>.Gone("This invitation has just been used up.");
        }

        db.TeamMembers.Add(new TeamMember { TeamId = team.Id, UserId = userId, Role = invitation.Role, JoinedAt = now });
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(userId, AuditActions.MemberJoined, AuditTargets.Team, team.Id, $"{user.Email} as {invitation.Role} through invitation {invitation.Id}", cancellationToken);
        LogJoined(userId, team.Id);
        return Outcome<TeamSummary>.Ok(new TeamSummary(team.Id, team.Name, invitation.Role, 0));
    }

    /// <summary>
    /// Removes a member (an owner removes anyone; a member may leave). Their access ends at once: shared workspaces and
    /// terminals attached now are cut, and their workspaces of the team's projects (which hold its secrets) stop.
    /// </summary>
    public async Task<Outcome<bool>> RemoveMemberAsync(string userId, string teamId, string memberId, CancellationToken cancellationToken)
    {
        var found = await access.ForTeamAsync(userId, teamId, cancellationToken);
        var leaving = userId == memberId;
        if (Denied<bool>(found, leaving ? Permission.TeamView : Permission.TeamManageMembers) is { } denied)
        {
            return denied;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var member = await db.TeamMembers.FirstOrDefaultAsync(m => m.TeamId == teamId && m.UserId == memberId, cancellationToken);
        if (member is null)
        {
            return Outcome<bool>.NotFound();
        }

        if (member.Role == TeamRole.Owner && await db.TeamMembers.CountAsync(m => m.TeamId == teamId && m.Role == TeamRole.Owner, cancellationToken) == 1)
        {
            return Outcome<bool>.Conflict("A team needs an owner: make someone else owner first, or delete the team.");
        }

        db.TeamMembers.Remove(member);
        await db.SaveChangesAsync(cancellationToken);
        var email = await db.Users.Where(u => u.Id == memberId).Select(u => u.Email).FirstOrDefaultAsync(cancellationToken);
        await audit.RecordAsync(userId, AuditActions.MemberRemoved, AuditTargets.Team, teamId, leaving ? $"{email} left" : $"{email} removed", cancellationToken);
        await CutAccessAsync(db, teamId, memberId, cancellationToken);
        LogRemoved(memberId, teamId);
        return Outcome<bool>.Ok(true);
    }

    public async Task<Outcome<bool>> ChangeRoleAsync(string userId, string teamId, string memberId, TeamRole role, CancellationToken cancellationToken)
    {
        var found = await access.ForTeamAsync(userId, teamId, cancellationToken);
        if (Denied<bool>(found, Permission.TeamManageMembers) is { } denied)
        {
            return denied;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var member = await db.TeamMembers.FirstOrDefaultAsync(m => m.TeamId == teamId && m.UserId == memberId, cancellationToken);
        if (member is null)
        {
            return Outcome<bool>.NotFound();
        }

        if (member.Role == TeamRole.Owner && role != TeamRole.Owner
            && await db.TeamMembers.CountAsync(m => m.TeamId == teamId && m.Role == TeamRole.Owner, cancellationToken) == 1)
        {
            return Outcome<bool>.Conflict("A team needs an owner: make someone else owner first.");
        }

        member.Role = role;
        await db.SaveChangesAsync(cancellationToken);
        var email = await db.Users.Where(u => u.Id == memberId).Select(u => u.Email).FirstOrDefaultAsync(cancellationToken);
        await audit.RecordAsync(userId, AuditActions.MemberRoleChanged, AuditTargets.Team, teamId, $"{email} is now {role}", cancellationToken);
        return Outcome<bool>.Ok(true);
    }

    public async Task<Outcome<bool>> DeleteAsync(string userId, string teamId, CancellationToken cancellationToken)
    {
        var found = await access.ForTeamAsync(userId, teamId, cancellationToken);
        if (Denied<bool>(found, Permission.TeamDelete) is { } denied)
        {
            return denied;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var members = await db.TeamMembers.Where(m => m.TeamId == teamId).Select(m => m.UserId).ToListAsync(cancellationToken);
        var projectWorkspaces = await ProjectWorkspacesAsync(db, teamId, null, cancellationToken);
        await workspaces.StopAsSystemAsync(projectWorkspaces, "Stopped: the team was deleted", cancellationToken);
        await db.Teams.Where(t => t.Id == teamId).ExecuteDeleteAsync(cancellationToken);
        await audit.RecordAsync(userId, AuditActions.TeamDeleted, AuditTargets.Team, teamId, found!.Team.Name, cancellationToken);
        foreach (var member in members)
        {
            await liveSessions.RecheckAsync(member, cancellationToken);
        }

        return Outcome<bool>.Ok(true);
    }

    private async Task CutAccessAsync(WorkspacesDbContext db, string teamId, string memberId, CancellationToken cancellationToken)
    {
        await workspaces.StopAsSystemAsync(
            await ProjectWorkspacesAsync(db, teamId, memberId, cancellationToken),
            "Stopped: the owner left the project's team",
            cancellationToken);
        // Their terminals in workspaces shared with them, and everyone else's in the workspaces that stop.
        await liveSessions.RecheckAsync(null, cancellationToken);
        // And the previews of the team's workspaces they had open through team visibility.
        var teamWorkspaces = (await db.Workspaces
            .Where(w => w.ProjectId != null && db.Projects.Any(p => p.Id == w.ProjectId && p.TeamId == teamId))
            .Select(w => w.Id)
            .ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        previewConnections.CutTeamUser(memberId, workspaceId => !teamWorkspaces.Contains(workspaceId));
    }

    private static Task<List<string>> ProjectWorkspacesAsync(WorkspacesDbContext db, string teamId, string? ownerId, CancellationToken cancellationToken) =>
        db.Workspaces
            .Where(w => w.ProjectId != null && db.Projects.Any(p => p.Id == w.ProjectId && p.TeamId == teamId))
            .Where(w => ownerId == null || w.OwnerId == ownerId)
            .Where(w => w.DesiredState == Data.Workspaces.DesiredState.Running)
            .Select(w => w.Id)
            .ToListAsync(cancellationToken);

    private static Outcome<T>? Denied<T>(TeamAccess? found, Permission permission) =>
        found is null || !found.Can(Permission.TeamView) ? Outcome<T>.NotFound()
        : !found.Can(permission) ? Outcome<T>.Forbidden("Only the team's owners may do this.")
        : null;

    private static Task<TeamInvitation?> FindAsync(WorkspacesDbContext db, string token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100)
        {
            return Task.FromResult<TeamInvitation?>(null);
        }

        var hash = Hash(token);
        return db.TeamInvitations.AsNoTracking().FirstOrDefaultAsync(i => i.TokenHash == hash, cancellationToken);
    }

    private string? UsableProblem(TeamInvitation invitation) =>
        invitation.RevokedAt is not null ? "This invitation was revoked. Ask the team's owner for a new one."
        : invitation.ExpiresAt <= timeProvider.GetUtcNow() ? "This invitation has expired. Ask the team's owner for a new one."
        : invitation.MaxUses is { } max && invitation.Uses >= max ? "This invitation has already been used. Ask the team's owner for a new one."
        : null;

    internal static string? NameProblem(string? name) =>
        string.IsNullOrWhiteSpace(name) ? "Required."
        : name.Trim().Length > FieldLengths.Name ? $"At most {FieldLengths.Name} characters."
        : name.Any(char.IsControl) ? "Must not contain control characters."
        : null;

    internal static string NewId() => Guid.NewGuid().ToString("N");

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} joined team {TeamId}")]
    private partial void LogJoined(string userId, string teamId);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} left or was removed from team {TeamId}")]
    private partial void LogRemoved(string userId, string teamId);
}
