using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workspaces.Data;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Reconciliation;
using Workspaces.Shared.Threading;
using Workspaces.Web.Hosting;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.Web.Workspaces;

/// <summary>
/// Converges the runtime to what the database says each workspace should be (level-triggered: it re-reads the record and
/// the runtime every time, so it picks up after a crash of the web app or an agent). Work arrives through
/// <see cref="WorkQueue"/> from user actions and agent watches, plus a periodic resync of every workspace.
/// </summary>
public sealed partial class WorkspaceReconciler(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    IWorkspaceRuntime runtime,
    WorkQueue queue,
    AgentWatches watches,
    WorkspaceLauncher launcher,
    WorkspaceStatusFeed feed,
    ReconcilerLeadership leadership,
    WorkspaceTelemetry telemetry,
    IOptions<WorkspacesOptions> options,
    TimeProvider timeProvider,
    ILogger<WorkspaceReconciler> logger) : BackgroundService
{
    private const int Workers = 4;

    /// <summary>More unexpected agent exits than this within <see cref="CrashWindow"/> and the workspace is marked failed.</summary>
    private const int MaxRestarts = 3;

    private static readonly TimeSpan CrashWindow = TimeSpan.FromMinutes(10);

    /// <summary>What a follower last saw of each workspace, so its pages hear of the leader's changes once.</summary>
    private readonly ConcurrentDictionary<string, (WorkspacePhase Phase, int Generation, int ObservedGeneration)> _seen = new(StringComparer.Ordinal);

    private int _reconciles;

    /// <summary>Passes the workers completed (leading or following); for tests and diagnostics.</summary>
    public int Reconciles => _reconciles;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await ThreadPoolSynchronizationContext.Instance.SwitchTo();
        telemetry.ObserveRunning(() => leadership.IsLeader ? watches.Count : null);
        // A failure waits for the periodic resync: no tight retry loop on a persistent failure.
        await Task.WhenAll(
            ResyncLoopAsync(stoppingToken),
            ReconcileWorkers.RunAsync(queue, Workers, ReconcileInScopeAsync, FailedKeys.LeaveToResync, (id, e, _) => LogReconcileFailed(e, id), stoppingToken));
    }

    private async Task ResyncLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await EnqueueAllAsync(cancellationToken);
                await Task.Delay(options.Value.ReconcileInterval, timeProvider, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogResyncFailed(e);
                await Backoff.Default.WaitAsync(1, timeProvider, cancellationToken);
            }
        }
    }

    private async Task EnqueueAllAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var idleBefore = now - options.Value.IdleTimeout;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!leadership.IsLeader)
        {
            foreach (var id in await db.Workspaces.Select(w => w.Id).ToListAsync(cancellationToken))
            {
                queue.Add(id);
            }

            return;
        }

        // A project may set its own timeout; compared here, as TimeSpan arithmetic does not translate on every provider.
        var idle = await db.Workspaces
            .Where(w => w.DesiredState == DesiredState.Running && (w.IdleTimeout != null || w.LastActiveAt < idleBefore))
            .Select(w => new { w.Id, w.OwnerId, w.IdleTimeout, w.LastActiveAt })
            .ToListAsync(cancellationToken);
        foreach (var workspace in idle)
        {
            var timeout = workspace.IdleTimeout ?? options.Value.IdleTimeout;
            if (workspace.LastActiveAt < now - timeout)
            {
                await StopIdleAsync(db, workspace.Id, workspace.OwnerId, timeout, now - timeout, now, cancellationToken);
            }
        }

        foreach (var id in await db.Workspaces.Select(w => w.Id).ToListAsync(cancellationToken))
        {
            queue.Add(id);
        }
    }

    private async Task StopIdleAsync(
        WorkspacesDbContext db, string id, string ownerId, TimeSpan timeout, DateTimeOffset idleBefore, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var reason = WorkspaceReasons.Idle(timeout);
        // Conditional on still being idle, so activity that arrived meanwhile wins.
        var changed = await db.Workspaces
            .Where(w => w.Id == id && w.DesiredState == DesiredState.Running && w.LastActiveAt < idleBefore)
            .ExecuteUpdateAsync(s => s.SetProperty(w => w.DesiredState, DesiredState.Stopped).SetProperty(w => w.DesiredStateReason, reason).SetProperty(w => w.Generation, w => w.Generation + 1), cancellationToken);
        if (changed > 0)
        {
            db.WorkspaceEvents.Add(new WorkspaceEvent { WorkspaceId = id, At = now, Kind = "idle-stop", Message = reason });
            await db.SaveChangesAsync(cancellationToken);
            LogIdleStop(id);
            feed.PublishUpdated(id, ownerId);
        }
    }

    private async Task<ReconcileResult> ReconcileInScopeAsync(string id, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["WorkspaceId"] = id });
        await ReconcileAsync(id, cancellationToken);
        Interlocked.Increment(ref _reconciles);
        return ReconcileResult.Done;
    }

    /// <summary>One level-triggered pass over one workspace.</summary>
    public async Task ReconcileAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var workspace = await db.Workspaces.AsNoTracking().FirstOrDefaultAsync(w => w.Id == id, cancellationToken);
        if (workspace is null)
        {
            _seen.TryRemove(id, out _);
            await watches.StopAsync(id);
            return;
        }

        var observed = await runtime.ObserveAsync(id, cancellationToken);
        if (!leadership.IsLeader)
        {
            await FollowAsync(workspace, observed);
            return;
        }

        switch (workspace.DesiredState)
        {
            case DesiredState.Deleted:
                await DeleteAsync(db, workspace, cancellationToken);
                break;
            case DesiredState.Stopped:
                await StopAsync(db, workspace, observed, cancellationToken);
                break;
            default:
                await RunAsync(db, workspace, observed, cancellationToken);
                break;
        }
    }

    /// <summary>A follower only watches a running agent for its own pages and tells them what the leader changed.</summary>
    private async Task FollowAsync(WorkspaceRecord workspace, RuntimeObservation observed)
    {
        if (workspace.DesiredState == DesiredState.Running && observed.State == RuntimeState.Running)
        {
            watches.Ensure(workspace, observed.AgentUrl!);
        }
        else
        {
            await watches.StopAsync(workspace.Id);
        }

        var seen = (workspace.Phase, workspace.Generation, workspace.ObservedGeneration);
        if (_seen.TryGetValue(workspace.Id, out var before) && before != seen)
        {
            feed.PublishUpdated(workspace.Id, workspace.OwnerId);
        }

        _seen[workspace.Id] = seen;
    }

    private async Task DeleteAsync(WorkspacesDbContext db, WorkspaceRecord workspace, CancellationToken cancellationToken)
    {
        await watches.StopAsync(workspace.Id);
        await runtime.DeleteAsync(workspace.Id, cancellationToken);
        await db.Workspaces.Where(w => w.Id == workspace.Id && w.DesiredState == DesiredState.Deleted).ExecuteDeleteAsync(cancellationToken);
        LogDeleted(workspace.Id);
        feed.PublishRemoved(workspace.Id, workspace.OwnerId);
    }

    private async Task StopAsync(WorkspacesDbContext db, WorkspaceRecord workspace, RuntimeObservation observed, CancellationToken cancellationToken)
    {
        await watches.StopAsync(workspace.Id);
        if (observed.State is RuntimeState.Running or RuntimeState.Starting)
        {
            await SetPhaseAsync(db, workspace, WorkspacePhase.Stopping, DesiredState.Stopped, cancellationToken);
            await runtime.StopAsync(workspace.Id, cancellationToken);
            telemetry.Stopped(WorkspaceReasons.Kind(workspace.DesiredStateReason));
        }

        telemetry.Abandoned(workspace.Id);

        var now = timeProvider.GetUtcNow();
        await db.WorkspaceStarts.Where(s => s.WorkspaceId == workspace.Id && s.EndedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now).SetProperty(x => x.Outcome, x => x.Outcome ?? WorkspacePhase.Stopped), cancellationToken);
        if (workspace.Phase != WorkspacePhase.Stopped || workspace.ObservedGeneration != workspace.Generation)
        {
            await db.Workspaces.Where(w => w.Id == workspace.Id && w.DesiredState == DesiredState.Stopped).ExecuteUpdateAsync(
                s => s.SetProperty(w => w.Phase, WorkspacePhase.Stopped)
                    .SetProperty(w => w.Progress, (double?)null)
                    .SetProperty(w => w.ErrorCode, (AgentErrorCode?)null)
                    .SetProperty(w => w.ErrorMessage, (string?)null)
                    .SetProperty(w => w.ErrorAdvice, (string?)null)
                    .SetProperty(w => w.ObservedGeneration, workspace.Generation),
                cancellationToken);
            feed.ForgetAgentStatus(workspace.Id);
            feed.PublishUpdated(workspace.Id, workspace.OwnerId);
        }
    }

    private async Task RunAsync(WorkspacesDbContext db, WorkspaceRecord workspace, RuntimeObservation observed, CancellationToken cancellationToken)
    {
        var freshRequest = workspace.ObservedGeneration != workspace.Generation;
        if (observed.State == RuntimeState.Running)
        {
            var restart = freshRequest && (workspace.Phase == WorkspacePhase.Failed || workspace.DesiredStateReason == WorkspaceReasons.Restart);
            if (!restart)
            {
                if (freshRequest)
                {
                    await db.Workspaces.Where(w => w.Id == workspace.Id).ExecuteUpdateAsync(s => s.SetProperty(w => w.ObservedGeneration, workspace.Generation), cancellationToken);
                }

                watches.Ensure(workspace, observed.AgentUrl!);
                return;
            }

            await watches.StopAsync(workspace.Id);
            await runtime.StopAsync(workspace.Id, cancellationToken);
        }
        else if (!freshRequest)
        {
            // A failed start waits for the user to retry; any other phase means the agent died under a running workspace.
            if (workspace.Phase == WorkspacePhase.Failed || !await NoteUnexpectedExitAsync(db, workspace, observed, cancellationToken))
            {
                return;
            }
        }

        await watches.StopAsync(workspace.Id);
        await launcher.LaunchAsync(db, workspace, cancellationToken);
    }

    /// <summary>Records that the agent died while it should run; false if it died too often to try again.</summary>
    private async Task<bool> NoteUnexpectedExitAsync(WorkspacesDbContext db, WorkspaceRecord workspace, RuntimeObservation observed, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var windowStart = now - CrashWindow;
        var recent = await db.WorkspaceEvents.CountAsync(e => e.WorkspaceId == workspace.Id && e.Kind == "agent-restarted" && e.At > windowStart, cancellationToken);
        var detail = string.IsNullOrWhiteSpace(observed.Detail) ? "" : $" Its last words: {LastLine(observed.Detail)}";
        if (recent >= MaxRestarts)
        {
            var message = $"The workspace agent stopped unexpectedly {recent + 1} times in {CrashWindow.TotalMinutes:0} minutes, so it was not restarted again.{detail}";
            await db.Workspaces.Where(w => w.Id == workspace.Id && w.Generation == workspace.Generation).ExecuteUpdateAsync(
                s => s.SetProperty(w => w.Phase, WorkspacePhase.Failed)
                    .SetProperty(w => w.ErrorCode, AgentErrorCode.AgentExited)
                    .SetProperty(w => w.ErrorMessage, message)
                    .SetProperty(w => w.ErrorAdvice, "Look at the task logs, then press Retry. Your files are kept."),
                cancellationToken);
            feed.PublishUpdated(workspace.Id, workspace.OwnerId);
            telemetry.Stopped("crash");
            return false;
        }

        db.WorkspaceEvents.Add(new WorkspaceEvent
        {
            WorkspaceId = workspace.Id,
            At = now,
            Kind = "agent-restarted",
            Message = $"The workspace agent stopped unexpectedly and was restarted. Your files are kept.{detail}",
        });
        await db.SaveChangesAsync(cancellationToken);
        LogAgentDied(workspace.Id);
        telemetry.AgentRestarted();
        return true;
    }

    private static string LastLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var last = lines.Length == 0 ? "" : lines[^1];
        return last.Length > 300 ? last[..300] : last;
    }

    private async Task SetPhaseAsync(WorkspacesDbContext db, WorkspaceRecord workspace, WorkspacePhase phase, DesiredState whileDesired, CancellationToken cancellationToken)
    {
        await db.Workspaces.Where(w => w.Id == workspace.Id && w.DesiredState == whileDesired)
            .ExecuteUpdateAsync(s => s.SetProperty(w => w.Phase, phase), cancellationToken);
        feed.PublishUpdated(workspace.Id, workspace.OwnerId);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Reconciling workspace {WorkspaceId} failed; the next resync tries again")]
    private partial void LogReconcileFailed(Exception exception, string workspaceId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Listing workspaces for the periodic resync failed")]
    private partial void LogResyncFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {WorkspaceId} deleted with its files")]
    private partial void LogDeleted(string workspaceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {WorkspaceId} stopped: idle")]
    private partial void LogIdleStop(string workspaceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The agent of workspace {WorkspaceId} exited unexpectedly; restarting it")]
    private partial void LogAgentDied(string workspaceId);
}
