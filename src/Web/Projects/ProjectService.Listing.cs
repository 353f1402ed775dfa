using Microsoft.EntityFrameworkCore;
using Workspaces.Data.Workspaces;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Projects;

public sealed partial class ProjectService
{
    /// <summary>The projects of the caller's teams, each with the caller's latest workspace of it (for the dashboard).</summary>
    public async Task<IReadOnlyList<MemberProjectView>> ListForMemberAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var projects = await db.TeamMembers.Where(m => m.UserId == userId)
            .Join(db.Teams, m => m.TeamId, t => t.Id, (m, t) => t)
            .Join(db.Projects, t => t.Id, p => p.TeamId, (t, p) => new { p.Id, p.Name, p.RepositoryUrl, TeamId = t.Id, TeamName = t.Name })
            .ToListAsync(cancellationToken);
        var ids = projects.Select(p => p.Id).ToList();
        var latest = (await db.Workspaces.AsNoTracking()
                .Where(w => w.OwnerId == userId && w.ProjectId != null && ids.Contains(w.ProjectId) && w.DesiredState != DesiredState.Deleted)
                .ToListAsync(cancellationToken))
            .GroupBy(w => w.ProjectId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => WorkspaceView.From(g.MaxBy(w => w.LastActiveAt)!), StringComparer.Ordinal);
        return [.. projects
            .Select(p => new MemberProjectView(p.Id, p.Name, p.TeamId, p.TeamName, p.RepositoryUrl, ProjectView.OpenPathOf(p.Id), latest.GetValueOrDefault(p.Id)))
            .OrderByDescending(p => p.LatestWorkspace?.LastActiveAt ?? DateTimeOffset.MinValue)
            .ThenBy(p => p.Name, StringComparer.OrdinalIgnoreCase)];
    }
}

/// <param name="LatestWorkspace">The caller's most recently used workspace of the project, if any.</param>
public sealed record MemberProjectView(
    string Id, string Name, string TeamId, string TeamName, string RepositoryUrl, string OpenPath, WorkspaceView? LatestWorkspace);
