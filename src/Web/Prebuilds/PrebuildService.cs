using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Prebuilds;
using Workspaces.Web.Authorization;

namespace Workspaces.Web.Prebuilds;

/// <summary>A project's prebuilds for its members: settings (team owners), the list, logs, "Run prebuild now".</summary>
public sealed partial class PrebuildService(
    AccessService access,
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    IDataProtectionProvider protection,
    PrebuildTriggers triggers,
    PrebuildLogs logs,
    TimeProvider timeProvider)
{
    public const int MaxCommitsBehindLimit = 10_000;
    private readonly IDataProtector _webhookSecrets = protection.CreateProtector("Workspaces.Prebuilds.WebhookSecret");

    public static string WebhookPath(string projectId) => $"/api/webhooks/projects/{projectId}";

    public string RevealWebhookSecret(ProjectPrebuildSettings settings) => _webhookSecrets.Unprotect(settings.ProtectedWebhookSecret);

    public async Task<Outcome<ProjectPrebuildsView>> GetAsync(string userId, string projectId, CancellationToken cancellationToken)
    {
        var found = await access.ForProjectAsync(userId, projectId, cancellationToken);
        if (Denied<ProjectPrebuildsView>(found, Permission.ProjectView) is { } denied)
        {
            return denied;
        }

        return Outcome<ProjectPrebuildsView>.Ok(await ViewAsync(projectId, found!.Can(Permission.ProjectEdit), cancellationToken));
    }

    public async Task<Outcome<ProjectPrebuildsView>> UpdateSettingsAsync(string userId, string projectId, PrebuildSettingsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var found = await access.ForProjectAsync(userId, projectId, cancellationToken);
        if (Denied<ProjectPrebuildsView>(found, Permission.ProjectEdit) is { } denied)
        {
            return denied;
        }

        if (BranchPatterns.Problem(request.BranchPatterns) is { } patternProblem)
        {
            return Outcome<ProjectPrebuildsView>.Invalid("branchPatterns", patternProblem);
        }

        if (request.EveryNthCommit is < 1 or > 1000)
        {
            return Outcome<ProjectPrebuildsView>.Invalid("everyNthCommit", "Between 1 (every push) and 1000.");
        }

        if (request.MaxCommitsBehind is < 0 or > MaxCommitsBehindLimit)
        {
            return Outcome<ProjectPrebuildsView>.Invalid("maxCommitsBehind", $"Between 0 (the same commit only) and {MaxCommitsBehindLimit}.");
        }

        if (request.KeepPerBranch is < 1 or > 100)
        {
            return Outcome<ProjectPrebuildsView>.Invalid("keepPerBranch", "Between 1 and 100.");
        }

        if (request.ScheduleHours is < 0 or > PrebuildSchedules.MaxHours)
        {
            return Outcome<ProjectPrebuildsView>.Invalid("scheduleHours", PrebuildSchedules.RangeMessage);
        }

        TimeOnly? scheduleAt = null;
        if (request.ScheduleAt is { } atText)
        {
            if (!PrebuildSchedules.TryParseTime(atText, out var at))
            {
                return Outcome<ProjectPrebuildsView>.Invalid("scheduleAt", PrebuildSchedules.TimeMessage);
            }

            scheduleAt = at;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var settings = await db.ProjectPrebuildSettings.FirstOrDefaultAsync(s => s.ProjectId == projectId, cancellationToken);
        if (settings is null)
        {
            settings = new ProjectPrebuildSettings { ProjectId = projectId, ProtectedWebhookSecret = _webhookSecrets.Protect(NewSecret()) };
            db.ProjectPrebuildSettings.Add(settings);
        }

        PrebuildSchedules.Apply(settings, request.Enabled, request.ScheduleHours, scheduleAt, timeProvider.GetUtcNow());
        settings.Enabled = request.Enabled;
        settings.BranchPatterns = string.Join('\n', BranchPatterns.Parse(request.BranchPatterns));
        settings.EveryNthCommit = request.EveryNthCommit ?? settings.EveryNthCommit;
        settings.MaxCommitsBehind = request.MaxCommitsBehind ?? settings.MaxCommitsBehind;
        settings.KeepPerBranch = request.KeepPerBranch ?? settings.KeepPerBranch;
        settings.UpdatedAt = timeProvider.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return Outcome<ProjectPrebuildsView>.Ok(await ViewAsync(projectId, true, cancellationToken));
    }

    /// <summary>Queues a prebuild of a branch (the project's default when none is named); one already waiting or running for it is returned instead.</summary>
    public async Task<Outcome<PrebuildView>> RunNowAsync(string userId, string projectId, string? branch, CancellationToken cancellationToken)
    {
        var found = await access.ForProjectAsync(userId, projectId, cancellationToken);
        if (Denied<PrebuildView>(found, Permission.ProjectEdit) is { } denied)
        {
            return denied;
        }

        var name = string.IsNullOrWhiteSpace(branch) ? found!.Project.DefaultBranch ?? "" : branch.Trim();
        if (name.Length > FieldLengths.GitRef || name.Any(char.IsWhiteSpace) || name.Contains("..", StringComparison.Ordinal))
        {
            return Outcome<PrebuildView>.Invalid("branch", "Not a branch name.");
        }

        if (await triggers.UnavailableReasonAsync(projectId, cancellationToken) is { } unavailable)
        {
            return Outcome<PrebuildView>.Conflict(unavailable);
        }

        var prebuild = await triggers.QueueAsync(projectId, name, commit: null, "manual", cancellationToken);
        return Outcome<PrebuildView>.Ok(PrebuildView.From(prebuild, timeProvider.GetUtcNow()));
    }

    public async Task<Outcome<PrebuildLogView>> GetLogAsync(string userId, string projectId, string prebuildId, long offset, CancellationToken cancellationToken)
    {
        var found = await access.ForProjectAsync(userId, projectId, cancellationToken);
        if (Denied<PrebuildLogView>(found, Permission.ProjectView) is { } denied)
        {
            return denied;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var status = await db.Prebuilds.Where(p => p.Id == prebuildId && p.ProjectId == projectId).Select(p => (PrebuildStatus?)p.Status).FirstOrDefaultAsync(cancellationToken);
        if (status is null)
        {
            return Outcome<PrebuildLogView>.NotFound();
        }

        var (text, length) = await logs.ReadAsync(prebuildId, offset, cancellationToken);
        return Outcome<PrebuildLogView>.Ok(new PrebuildLogView(text, length, status.Value));
    }

    private async Task<ProjectPrebuildsView> ViewAsync(string projectId, bool canEdit, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var settings = await db.ProjectPrebuildSettings.AsNoTracking().FirstOrDefaultAsync(s => s.ProjectId == projectId, cancellationToken);
        var prebuilds = await db.Prebuilds.AsNoTracking().Where(p => p.ProjectId == projectId).OrderByDescending(p => p.CreatedAt).Take(50).ToListAsync(cancellationToken);
        var storage = await db.Prebuilds.Where(p => p.ProjectId == projectId && p.Status == PrebuildStatus.Succeeded).SumAsync(p => p.SizeBytes ?? 0, cancellationToken);
        var now = timeProvider.GetUtcNow();
        var view = settings is null
            ? new PrebuildSettingsView(false, "", 1, 100, 3, WebhookPath(projectId), null)
            : new PrebuildSettingsView(settings.Enabled, settings.BranchPatterns, settings.EveryNthCommit, settings.MaxCommitsBehind, settings.KeepPerBranch, WebhookPath(projectId),
                canEdit ? RevealWebhookSecret(settings) : null, settings.ScheduleHours, PrebuildSchedules.NextRun(settings),
                settings is { ScheduleHours: > 0, ScheduleSince: { } since } ? PrebuildSchedules.TimeOfDay(since) : null);
        return new ProjectPrebuildsView(view, [.. prebuilds.Select(p => PrebuildView.From(p, now))], storage, canEdit);
    }

    private static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    private static Outcome<T>? Denied<T>(ProjectAccess? found, Permission permission) =>
        found is null || !found.Can(Permission.ProjectView) ? Outcome<T>.NotFound()
        : !found.Can(permission) ? Outcome<T>.Forbidden("Only the team's owners may change the project's prebuilds.")
        : null;
}
