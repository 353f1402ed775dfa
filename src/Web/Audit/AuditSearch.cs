using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Audit;

namespace Workspaces.Web.Audit;

// The queries run in the database: EF Core translates ToLower().Contains() on SQLite and PostgreSQL alike, not the
// StringComparison overload CA1862 suggests.
#pragma warning disable CA1862

/// <summary>
/// The audit log as an administrator reads it: filtered by the names people know (a person, a team, a project, a
/// workspace) rather than ids, a page at a time, each target named and linked. Callers check the caller is an administrator.
/// </summary>
public sealed class AuditSearch(IDbContextFactory<WorkspacesDbContext> dbFactory)
{
    public const int PageSize = 50;

    public async Task<AuditResultPage> SearchAsync(AuditQuery query, int page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var entries = db.AuditEntries.AsNoTracking();
        if (Words(query.Action) is { } action)
        {
            entries = action.EndsWith('.') ? entries.Where(e => e.Action.StartsWith(action)) : entries.Where(e => e.Action == action);
        }

        if (Lower(query.Person) is { } person)
        {
            entries = entries.Where(e => e.ActorEmail != null && e.ActorEmail.ToLower().Contains(person));
        }

        // A name stands for every target under it: a team for its projects and their workspaces, a project for its workspaces.
        if (Lower(query.Team) is { } team)
        {
            var teams = db.Teams.Where(t => t.Name.ToLower().Contains(team)).Select(t => t.Id);
            var projects = db.Projects.Where(p => teams.Contains(p.TeamId)).Select(p => p.Id);
            var workspaces = db.Workspaces.Where(w => w.ProjectId != null && projects.Contains(w.ProjectId)).Select(w => w.Id);
            entries = entries.Where(e => (e.TargetKind == AuditTargets.Team && teams.Contains(e.TargetId!))
                || (e.TargetKind == AuditTargets.Project && projects.Contains(e.TargetId!))
                || (e.TargetKind == AuditTargets.Workspace && workspaces.Contains(e.TargetId!)));
        }

        if (Lower(query.Project) is { } project)
        {
            var projects = db.Projects.Where(p => p.Name.ToLower().Contains(project)).Select(p => p.Id);
            var workspaces = db.Workspaces.Where(w => w.ProjectId != null && projects.Contains(w.ProjectId)).Select(w => w.Id);
            entries = entries.Where(e => (e.TargetKind == AuditTargets.Project && projects.Contains(e.TargetId!))
                || (e.TargetKind == AuditTargets.Workspace && workspaces.Contains(e.TargetId!)));
        }

        if (Lower(query.Workspace) is { } workspace)
        {
            var workspaces = db.Workspaces.Where(w => w.Name.ToLower().Contains(workspace)).Select(w => w.Id);
            entries = entries.Where(e => e.TargetKind == AuditTargets.Workspace && workspaces.Contains(e.TargetId!));
        }

        if (query.Since is { } since)
        {
            entries = entries.Where(e => e.At >= since);
        }

        if (query.Until is { } until)
        {
            entries = entries.Where(e => e.At < until);
        }

        var found = await entries.OrderByDescending(e => e.Id).Skip(Math.Max(page, 0) * PageSize).Take(PageSize + 1).ToListAsync(cancellationToken);
        var shown = found.Take(PageSize).ToList();
        var names = await NamesAsync(db, shown, cancellationToken);
        return new AuditResultPage([.. shown.Select(e => View(e, names))], found.Count > PageSize);
    }

    private static AuditEntryView View(AuditEntry e, Dictionary<(string, string), (string Name, string Link)> names) =>
        new(e.Id, e.At, e.ActorEmail, e.RemoteAddress, e.Action, e.TargetKind,
            e.TargetId is { } id && names.TryGetValue((e.TargetKind, id), out var target) ? target.Name : e.TargetId,
            e.TargetId is { } linked && names.TryGetValue((e.TargetKind, linked), out var to) ? to.Link : null,
            e.Detail);

    private static async Task<Dictionary<(string, string), (string Name, string Link)>> NamesAsync(
        WorkspacesDbContext db, List<AuditEntry> entries, CancellationToken cancellationToken)
    {
        List<string> Ids(string kind) => [.. entries.Where(e => e.TargetKind == kind && e.TargetId != null).Select(e => e.TargetId!).Distinct()];
        var names = new Dictionary<(string, string), (string, string)>();
        var teamIds = Ids(AuditTargets.Team);
        foreach (var t in await db.Teams.Where(t => teamIds.Contains(t.Id)).Select(t => new { t.Id, t.Name }).ToListAsync(cancellationToken))
        {
            names[(AuditTargets.Team, t.Id)] = (t.Name, $"/teams/{t.Id}");
        }

        var projectIds = Ids(AuditTargets.Project);
        foreach (var p in await db.Projects.Where(p => projectIds.Contains(p.Id)).Select(p => new { p.Id, p.Name }).ToListAsync(cancellationToken))
        {
            names[(AuditTargets.Project, p.Id)] = (p.Name, $"/projects/{p.Id}");
        }

        var workspaceIds = Ids(AuditTargets.Workspace);
        var workspaces = await db.Workspaces.Where(w => workspaceIds.Contains(w.Id))
            .Select(w => new { w.Id, w.Name, Project = db.Projects.Where(p => p.Id == w.ProjectId).Select(p => p.Name).FirstOrDefault() })
            .ToListAsync(cancellationToken);
        foreach (var w in workspaces)
        {
            names[(AuditTargets.Workspace, w.Id)] = (w.Project is null ? w.Name : $"{w.Name} (project {w.Project})", $"/workspaces/{w.Id}");
        }

        var userIds = Ids(AuditTargets.User);
        foreach (var u in await db.Users.Where(u => userIds.Contains(u.Id)).Select(u => new { u.Id, u.Email }).ToListAsync(cancellationToken))
        {
            names[(AuditTargets.User, u.Id)] = (u.Email ?? u.Id, "/admin#admin-users");
        }

        return names;
    }

    private static string? Words(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string? Lower(string? value) => Words(value)?.ToLowerInvariant();
}

/// <param name="Action">An exact action, or a prefix ending in a dot (<c>team.</c>).</param>
/// <param name="Person">Part of the actor's email address.</param>
/// <param name="Team">Part of a team's name: its events and those of its projects and their workspaces.</param>
/// <param name="Project">Part of a project's name: its events and those of its workspaces.</param>
/// <param name="Workspace">Part of a workspace's name.</param>
public sealed record AuditQuery(
    string? Action = null, string? Person = null, string? Team = null, string? Project = null, string? Workspace = null,
    DateTimeOffset? Since = null, DateTimeOffset? Until = null);

/// <param name="TargetName">The target's name (a workspace's with its project's), or its id once it is gone.</param>
/// <param name="TargetLink">Where the target's page is, while it exists.</param>
public sealed record AuditEntryView(
    long Id, DateTimeOffset At, string? ActorEmail, string? RemoteAddress, string Action, string TargetKind, string? TargetName, string? TargetLink, string? Detail);

public sealed record AuditResultPage(IReadOnlyList<AuditEntryView> Entries, bool HasMore);
