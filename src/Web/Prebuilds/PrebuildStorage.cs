using Microsoft.EntityFrameworkCore;
using Workspaces.Data;

namespace Workspaces.Web.Prebuilds;

/// <param name="Snapshots">Prebuilds whose snapshot is kept (succeeded, and bad ones until retention removes them).</param>
/// <param name="StoredBytes">What their snapshots take on disk.</param>
public sealed record ProjectPrebuildStorageView(string ProjectId, string ProjectName, string TeamId, string TeamName, bool Enabled, int Prebuilds, int Snapshots, long StoredBytes);

public sealed record PrebuildStorageView(long TotalBytes, IReadOnlyList<ProjectPrebuildStorageView> Projects);

/// <summary>Storage used by prebuilds, per project, for administrators (callers check the caller is one).</summary>
public sealed class PrebuildStorage(IDbContextFactory<WorkspacesDbContext> dbFactory)
{
    /// <summary>Every project with prebuilds on or with prebuilds recorded, the largest first.</summary>
    public async Task<PrebuildStorageView> PerProjectAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var usage = await db.Prebuilds.AsNoTracking()
            .GroupBy(p => p.ProjectId)
            .Select(g => new
            {
                ProjectId = g.Key,
                Prebuilds = g.Count(),
                Snapshots = g.Count(p => p.Storage != null),
                StoredBytes = g.Where(p => p.Storage != null).Sum(p => p.SizeBytes ?? 0),
            })
            .ToDictionaryAsync(u => u.ProjectId, cancellationToken);
        var enabled = (await db.ProjectPrebuildSettings.AsNoTracking().Where(s => s.Enabled).Select(s => s.ProjectId).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);
        var projects = await db.Projects.AsNoTracking()
            .Join(db.Teams, p => p.TeamId, t => t.Id, (p, t) => new { p.Id, p.Name, TeamId = t.Id, TeamName = t.Name })
            .ToListAsync(cancellationToken);
        var rows = projects
            .Where(p => usage.ContainsKey(p.Id) || enabled.Contains(p.Id))
            .Select(p => usage.GetValueOrDefault(p.Id) is { } u
                ? new ProjectPrebuildStorageView(p.Id, p.Name, p.TeamId, p.TeamName, enabled.Contains(p.Id), u.Prebuilds, u.Snapshots, u.StoredBytes)
                : new ProjectPrebuildStorageView(p.Id, p.Name, p.TeamId, p.TeamName, true, 0, 0, 0))
            .OrderByDescending(r => r.StoredBytes).ThenBy(r => r.ProjectName, StringComparer.Ordinal)
            .ToList();
        return new PrebuildStorageView(rows.Sum(r => r.StoredBytes), rows);
    }
}
