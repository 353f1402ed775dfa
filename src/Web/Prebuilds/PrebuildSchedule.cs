using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workspaces.Data;
using Workspaces.Data.Prebuilds;

namespace Workspaces.Web.Prebuilds;

/// <summary>
/// The schedule trigger: every <see cref="PrebuildOptions.ScheduleCheckInterval"/> it looks for projects whose schedule is
/// due, reads their branches' heads (<see cref="IBranchHeads"/>) and queues a prebuild of each matching branch's head
/// through <see cref="PrebuildTriggers"/>, which keeps one prebuild per commit.
/// </summary>
public sealed partial class PrebuildSchedule(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    PrebuildTriggers triggers,
    IBranchHeads branchHeads,
    IOptions<PrebuildOptions> options,
    TimeProvider timeProvider,
    ILogger<PrebuildSchedule> logger) : BackgroundService
{
    /// <summary>At most this many branches of one project are built per scheduled run (the first by name).</summary>
    public const int MaxBranchesPerRun = 20;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ScheduleCheckInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RunDueAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    LogLoopFailed(e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RunDueAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Due-ness is computed here: DateTimeOffset arithmetic does not translate on SQLite, and scheduled projects are few.
        var scheduled = await db.ProjectPrebuildSettings.AsNoTracking().Where(s => s.Enabled && s.ScheduleHours > 0).ToListAsync(cancellationToken);
        foreach (var settings in scheduled.Where(s => PrebuildSchedules.NextRun(s) <= now))
        {
            // Claimed by recording the slot, only if nobody else did (another replica, a settings change meanwhile); and
            // recorded first, so a repository that cannot be read is tried again at the next slot, not at every check.
            var (previous, since) = (settings.LastScheduledAt, settings.ScheduleSince);
            var slot = PrebuildSchedules.Slot(settings, now);
            var claimed = await db.ProjectPrebuildSettings
                .Where(s => s.ProjectId == settings.ProjectId && s.LastScheduledAt == previous && s.ScheduleSince == since)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.LastScheduledAt, slot), cancellationToken);
            if (claimed == 0)
            {
                continue;
            }

            try
            {
                await QueueHeadsAsync(db, settings, cancellationToken);
            }
            catch (PrebuildFailedException e)
            {
                LogUnreadable(settings.ProjectId, e.Message);
            }
        }
    }

    private async Task QueueHeadsAsync(WorkspacesDbContext db, ProjectPrebuildSettings settings, CancellationToken cancellationToken)
    {
        var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == settings.ProjectId, cancellationToken);
        if (project is null)
        {
            return;
        }

        var remote = await branchHeads.ListAsync(project.RepositoryUrl, cancellationToken);
        var defaultBranch = project.DefaultBranch ?? remote.DefaultBranch;
        var matching = remote.Heads
            .Where(head => BranchPatterns.Matches(settings.BranchPatterns, head.Key, defaultBranch))
            .OrderBy(head => head.Key, StringComparer.Ordinal)
            .Take(MaxBranchesPerRun);
        var queued = 0;
        foreach (var (branch, commit) in matching)
        {
            // A head that was prebuilt (or is being) is not built again, nor one that failed, timed out or was too large:
            // nothing changed for it. A Bad one lost its snapshot, so its commit has nothing to start from: built again.
            if (await db.Prebuilds.AnyAsync(p => p.ProjectId == project.Id && p.Commit == commit && p.Status != PrebuildStatus.Bad, cancellationToken))
            {
                continue;
            }

            // As for a push: a project without a default branch of its own records the host's default as "".
            var recorded = project.DefaultBranch is null && branch == remote.DefaultBranch ? "" : branch;
            await triggers.QueueAsync(project.Id, recorded, commit, "schedule", cancellationToken);
            queued++;
        }

        LogRan(project.Id, queued);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Scheduled prebuilds of project {ProjectId}: {Queued} heads queued")]
    private partial void LogRan(string projectId, int queued);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled prebuilds of project {ProjectId} skipped: {Reason}")]
    private partial void LogUnreadable(string projectId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The prebuild schedule failed; it tries again at the next check")]
    private partial void LogLoopFailed(Exception exception);
}
