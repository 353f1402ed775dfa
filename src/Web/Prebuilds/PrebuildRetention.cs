using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workspaces.Data;
using Workspaces.Data.Prebuilds;
using Workspaces.WorkspaceController.Prebuilds;

namespace Workspaces.Web.Prebuilds;

/// <summary>
/// Keeps the newest <see cref="ProjectPrebuildSettings.KeepPerBranch"/> successful prebuilds of each branch (and as
/// many ended unsuccessfully, for their logs), deletes the rest with their snapshots and logs, removes snapshots no
/// record points to (a deleted project's, a crash's), and forgets webhook deliveries past the replay window.
/// </summary>
public sealed partial class PrebuildRetention(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    IPrebuildSnapshots snapshots,
    PrebuildLogs logs,
    IOptions<PrebuildOptions> options,
    TimeProvider timeProvider,
    ILogger<PrebuildRetention> logger) : IDisposable
{
    private readonly SemaphoreSlim _running = new(1, 1);

    public void Dispose() => _running.Dispose();

    public async Task CollectAsync(CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var keep = await db.ProjectPrebuildSettings.AsNoTracking().ToDictionaryAsync(s => s.ProjectId, s => s.KeepPerBranch, cancellationToken);
            var ended = await db.Prebuilds.AsNoTracking()
                .Where(p => p.Status != PrebuildStatus.Queued && p.Status != PrebuildStatus.Running)
                .Select(p => new { p.Id, p.ProjectId, p.Branch, p.Status, p.CreatedAt })
                .ToListAsync(cancellationToken);
            var doomed = ended
                .GroupBy(p => (p.ProjectId, p.Branch, Succeeded: p.Status == PrebuildStatus.Succeeded))
                .SelectMany(g => g.OrderByDescending(p => p.CreatedAt).Skip(keep.GetValueOrDefault(g.Key.ProjectId, 3)))
                .Select(p => p.Id)
                .ToList();
            foreach (var id in doomed)
            {
                await snapshots.DeleteAsync(id, cancellationToken);
                await logs.DeleteAsync(id, cancellationToken);
                await db.Prebuilds.Where(p => p.Id == id).ExecuteDeleteAsync(cancellationToken);
            }

            var known = (await db.Prebuilds.Select(p => p.Id).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
            var orphans = (await snapshots.ListSnapshotsAsync(cancellationToken)).Where(id => !known.Contains(id)).ToList();
            foreach (var id in orphans)
            {
                await snapshots.DeleteAsync(id, cancellationToken);
            }

            var forgetBefore = timeProvider.GetUtcNow() - options.Value.WebhookReplayWindow;
            await db.WebhookDeliveries.Where(d => d.ReceivedAt < forgetBefore).ExecuteDeleteAsync(cancellationToken);
            if (doomed.Count > 0 || orphans.Count > 0)
            {
                LogCollected(doomed.Count, orphans.Count);
            }
        }
        finally
        {
            _running.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Prebuild retention removed {Prebuilds} prebuilds and {Orphans} orphaned snapshots")]
    private partial void LogCollected(int prebuilds, int orphans);
}
