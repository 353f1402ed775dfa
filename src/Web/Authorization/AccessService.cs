using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Projects;
using Workspaces.Data.Teams;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Repositories;

namespace Workspaces.Web.Authorization;

/// <summary>
/// Works out how a user stands to a workspace, team or project, from the database each time (so a removed member or a
/// blocked user loses access with the next request), and answers with <see cref="AccessPolicy"/>.
/// </summary>
public sealed class AccessService(IDbContextFactory<WorkspacesDbContext> dbFactory)
{
    /// <summary>Null when the workspace does not exist (or is being deleted).</summary>
    public async Task<WorkspaceAccess?> ForWorkspaceAsync(string userId, string workspaceId, CancellationToken cancellationToken)
    {
        if (!WorkspaceIds.IsValid(workspaceId))
        {
            return null;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var workspace = await db.Workspaces.AsNoTracking()
            .FirstOrDefaultAsync(w => w.Id == workspaceId && w.DesiredState != DesiredState.Deleted, cancellationToken);
        if (workspace is null)
        {
            return null;
        }

        var teamId = workspace.ProjectId is null
            ? null
            : await db.Projects.Where(p => p.Id == workspace.ProjectId).Select(p => p.TeamId).FirstOrDefaultAsync(cancellationToken);
        var relations = await RelationsAsync(db, userId, teamId, cancellationToken);
        if (relations.Count == 0)
        {
            return new WorkspaceAccess(workspace, teamId, relations);
        }

        var inTeam = teamId is null || relations.Contains(Relation.TeamMember) || relations.Contains(Relation.TeamOwner);
        // A project workspace holds the team's secrets: its owner keeps it only while a member of the team.
        if (workspace.OwnerId == userId && inTeam)
        {
            relations.Add(Relation.Owner);
        }

        var share = await db.WorkspaceShares.AsNoTracking()
            .FirstOrDefaultAsync(s => s.WorkspaceId == workspaceId && s.UserId == userId, cancellationToken);
        if (share is not null && await SharesATeamAsync(db, workspace.OwnerId, userId, teamId, cancellationToken))
        {
            relations.Add(share.Access == WorkspaceShareAccess.Full ? Relation.SharedFull : Relation.SharedReadOnly);
        }

        return new WorkspaceAccess(workspace, teamId, relations);
    }

    /// <summary>Null when the team does not exist.</summary>
    public async Task<TeamAccess?> ForTeamAsync(string userId, string teamId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var team = await db.Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Id == teamId, cancellationToken);
        return team is null ? null : new TeamAccess(team, await RelationsAsync(db, userId, team.Id, cancellationToken));
    }

    /// <summary>Null when the project does not exist.</summary>
    public async Task<ProjectAccess?> ForProjectAsync(string userId, string projectId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == projectId, cancellationToken);
        return project is null ? null : new ProjectAccess(project, await RelationsAsync(db, userId, project.TeamId, cancellationToken));
    }

    public async Task<bool> IsAdministratorAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Users.AnyAsync(u => u.Id == userId && u.IsAdministrator && !u.IsBlocked, cancellationToken);
    }

    /// <summary>Stranger, plus Administrator and the team role; empty for an unknown or blocked user (who may do nothing).</summary>
    private static async Task<HashSet<Relation>> RelationsAsync(WorkspacesDbContext db, string userId, string? teamId, CancellationToken cancellationToken)
    {
        var user = await db.Users.Where(u => u.Id == userId).Select(u => new { u.IsAdministrator, u.IsBlocked }).FirstOrDefaultAsync(cancellationToken);
        if (user is null || user.IsBlocked)
        {
            return [];
        }

        var relations = new HashSet<Relation> { Relation.Stranger };
        if (user.IsAdministrator)
        {
            relations.Add(Relation.Administrator);
        }

        if (teamId is not null)
        {
            var role = await db.TeamMembers.Where(m => m.TeamId == teamId && m.UserId == userId).Select(m => (TeamRole?)m.Role).FirstOrDefaultAsync(cancellationToken);
            if (role is { } r)
            {
                relations.Add(r == TeamRole.Owner ? Relation.TeamOwner : Relation.TeamMember);
            }
        }

        return relations;
    }

    private static Task<bool> SharesATeamAsync(WorkspacesDbContext db, string ownerId, string userId, string? teamId, CancellationToken cancellationToken)
    {
        if (teamId is not null)
        {
            return db.TeamMembers.AnyAsync(m => m.TeamId == teamId && m.UserId == userId, cancellationToken);
        }

        return db.TeamMembers.Where(m => m.UserId == userId)
            .AnyAsync(m => db.TeamMembers.Any(o => o.TeamId == m.TeamId && o.UserId == ownerId), cancellationToken);
    }
}

public sealed record WorkspaceAccess(WorkspaceRecord Workspace, string? TeamId, IReadOnlySet<Relation> Relations)
{
    public bool Can(Permission permission) => AccessPolicy.Allows(ResourceKind.Workspace, Relations, permission);
}

public sealed record TeamAccess(Team Team, IReadOnlySet<Relation> Relations)
{
    public bool Can(Permission permission) => AccessPolicy.Allows(ResourceKind.Team, Relations, permission);
}

public sealed record ProjectAccess(Project Project, IReadOnlySet<Relation> Relations)
{
    public bool Can(Permission permission) => AccessPolicy.Allows(ResourceKind.Project, Relations, permission);
}
