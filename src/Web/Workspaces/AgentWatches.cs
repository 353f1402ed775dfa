using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Reconciliation;
using Workspaces.Shared.SourceControl;
using Workspaces.Shared.Threading;
using Workspaces.Web.Agents;
using Workspaces.Web.Hosting;
using Workspaces.Web.SourceControl;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.Web.Workspaces;

/// <summary>
/// One long-poll loop per running agent: each status the agent reports goes to the live feed at once and, when it
/// matters (a new phase, an error, progress at most once a second), into the database.
/// </summary>
public sealed partial class AgentWatches(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    AgentClient agents,
    AgentSecrets agentSecrets,
    WorkQueue queue,
    WorkspaceStatusFeed feed,
    ReconcilerLeadership leadership,
    WorkspaceTelemetry telemetry,
    IEnumerable<IAgentReports> reports,
    TimeProvider timeProvider,
    ILogger<AgentWatches> logger) : IAsyncDisposable
{
    private static readonly TimeSpan LongPoll = TimeSpan.FromSeconds(25);
    private static readonly TimeSpan ProgressWriteInterval = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, Watch> _watches = new(StringComparer.Ordinal);
    private readonly IAgentReports[] _reports = [.. reports];

    /// <summary>Agents watched now (on the leader: every running workspace's).</summary>
    public int Count => _watches.Count;

    public void Ensure(WorkspaceRecord workspace, Uri agentUrl, string? secret = null)
    {
        if (_watches.TryGetValue(workspace.Id, out var existing) && existing.AgentUrl == agentUrl && !existing.Loop.IsCompleted)
        {
            return;
        }

        secret ??= agentSecrets.Reveal(workspace);
        var watch = new Watch(agentUrl, new CancellationTokenSource());
        watch.Loop = Task.Run(() => WatchAsync(workspace.Id, workspace.OwnerId, agentUrl, secret, watch.Cancellation.Token));
        if (_watches.TryGetValue(workspace.Id, out var previous) && _watches.TryUpdate(workspace.Id, watch, previous))
        {
            _ = StopWatchAsync(previous);
        }
        else if (!_watches.TryAdd(workspace.Id, watch))
        {
            _ = StopWatchAsync(watch);
        }
    }

    public async Task StopAsync(string workspaceId)
    {
        if (_watches.TryRemove(workspaceId, out var watch))
        {
            await StopWatchAsync(watch);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in _watches.Keys.ToList())
        {
            await StopAsync(id);
        }
    }

    private static async Task StopWatchAsync(Watch watch)
    {
        await watch.Cancellation.CancelAsync();
        try
        {
            await watch.Loop;
        }
        catch (OperationCanceledException)
        {
            // Expected: we cancelled it.
        }

        watch.Cancellation.Dispose();
    }

    private async Task WatchAsync(string workspaceId, string ownerId, Uri agentUrl, string secret, CancellationToken cancellationToken)
    {
        await ThreadPoolSynchronizationContext.Instance.SwitchTo();
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["WorkspaceId"] = workspaceId });
        var applied = new AppliedStatus();
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var status = await agents.GetStatusAsync(agentUrl, secret, applied.Version, LongPoll, cancellationToken);
                failures = 0;
                if (status.Version != applied.Version)
                {
                    feed.PublishAgentStatus(workspaceId, ownerId, status);
                    await ApplyAsync(workspaceId, ownerId, status, applied, cancellationToken);
                }

                // Also on an unchanged status (the long poll's timeout), so a replica that just took the lead reports too.
                await ReportAsync(workspaceId, status, applied, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                // The agent may have died: let the reconciler look, and keep asking in case it was only slow.
                failures++;
                LogAgentUnreachable(workspaceId, e.Message);
                queue.Add(workspaceId);
                await Backoff.Default.WaitAsync(failures, timeProvider, cancellationToken);
            }
            catch (Exception e)
            {
                failures++;
                LogWatchFailed(e, workspaceId);
                await Backoff.Default.WaitAsync(failures, timeProvider, cancellationToken);
            }
        }
    }

    private async Task ApplyAsync(string workspaceId, string ownerId, AgentStatus status, AppliedStatus applied, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var progress = status.Phase == WorkspacePhase.Cloning ? status.CloneProgress?.Fraction : null;
        var phaseChanged = status.Phase != applied.Phase || status.Error?.Code != applied.ErrorCode;
        applied.Version = status.Version;
        if (status.Git is { } git && git != applied.Git)
        {
            await WorkspaceGit.RecordAsync(dbFactory, workspaceId, git, cancellationToken);
            applied.Git = git;
            feed.PublishUpdated(workspaceId, ownerId);
        }

        if (!phaseChanged && now - applied.LastWrite < ProgressWriteInterval)
        {
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        DateTimeOffset? ready = status.Phase == WorkspacePhase.Ready ? Ended(status, WorkspacePhase.RunningTasks) ?? now : null;
        // The start's timings first, so that whoever sees the new phase also sees when it began.
        if (phaseChanged)
        {
            // The agent's own clock says when it listened; the launcher only noticed a little later (after the clone began).
            var listened = Ended(status, WorkspacePhase.StartingAgent);
            var cloneStarted = Started(status, WorkspacePhase.Cloning);
            var cloneEnded = Ended(status, WorkspacePhase.Cloning);
            var tasksStarted = Started(status, WorkspacePhase.RunningTasks);
            var outcome = status.Phase is WorkspacePhase.Ready or WorkspacePhase.Failed ? status.Phase : (WorkspacePhase?)null;
            var errorCode = status.Error?.Code;
            await db.WorkspaceStarts.Where(s => s.WorkspaceId == workspaceId && s.EndedAt == null).ExecuteUpdateAsync(
                s => s.SetProperty(x => x.AgentStartedAt, x => listened ?? x.AgentStartedAt)
                    .SetProperty(x => x.CloneStartedAt, cloneStarted)
                    .SetProperty(x => x.CloneEndedAt, cloneEnded)
                    .SetProperty(x => x.TasksStartedAt, tasksStarted)
                    .SetProperty(x => x.ReadyAt, ready)
                    .SetProperty(x => x.Outcome, outcome)
                    .SetProperty(x => x.ErrorCode, errorCode),
                cancellationToken);
            if (outcome is { } ended
                && await db.WorkspaceStarts.AsNoTracking().Where(s => s.WorkspaceId == workspaceId && s.EndedAt == null).OrderByDescending(s => s.Id).FirstOrDefaultAsync(cancellationToken) is { } start)
            {
                telemetry.Ended(start, ended, errorCode, fromPrebuild: status.Prebuild?.Used == true);
            }
        }

        // Only while the user still wants it running: a stop that raced with this status wins.
        await db.Workspaces.Where(w => w.Id == workspaceId && w.DesiredState == DesiredState.Running).ExecuteUpdateAsync(
            s => s.SetProperty(w => w.Phase, status.Phase)
                .SetProperty(w => w.Progress, progress)
                .SetProperty(w => w.ErrorCode, status.Error == null ? null : status.Error.Code)
                .SetProperty(w => w.ErrorMessage, status.Error == null ? null : status.Error.Message)
                .SetProperty(w => w.ErrorAdvice, status.Error == null ? null : status.Error.Advice)
                .SetProperty(w => w.ReadyAt, w => ready ?? w.ReadyAt),
            cancellationToken);

        applied.Phase = status.Phase;
        applied.ErrorCode = status.Error?.Code;
        applied.LastWrite = now;
        feed.PublishUpdated(workspaceId, ownerId);
    }

    /// <summary>Ports and Git state into the runtime's own view (Kubernetes: the Workspace status), by the leader only.</summary>
    private async Task ReportAsync(string workspaceId, AgentStatus status, AppliedStatus applied, CancellationToken cancellationToken)
    {
        if (_reports.Length == 0 || !leadership.IsLeader)
        {
            return;
        }

        var listening = string.Join(',', status.Ports.Where(p => p.Listening).OrderBy(p => p.Port).Select(p => $"{p.Port}:{p.Name}"));
        var key = $"{listening}|{status.Git?.Branch}|{status.Git?.UncommittedChanges > 0}|{status.Git is null}";
        if (key == applied.Reported)
        {
            return;
        }

        try
        {
            foreach (var report in _reports)
            {
                await report.ReportAsync(workspaceId, status.Ports, status.Git, cancellationToken);
            }

            applied.Reported = key;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Only the runtime's view lags; the next status tries again.
            LogReportFailed(e, workspaceId);
        }
    }

    private static DateTimeOffset? Started(AgentStatus status, WorkspacePhase phase) => status.Phases.FirstOrDefault(p => p.Phase == phase)?.StartedAt;

    private static DateTimeOffset? Ended(AgentStatus status, WorkspacePhase phase) => status.Phases.FirstOrDefault(p => p.Phase == phase)?.EndedAt;

    private sealed class Watch(Uri agentUrl, CancellationTokenSource cancellation)
    {
        public Uri AgentUrl { get; } = agentUrl;

        public CancellationTokenSource Cancellation { get; } = cancellation;

        public Task Loop { get; set; } = Task.CompletedTask;
    }

    private sealed class AppliedStatus
    {
        public long Version { get; set; } = -1;

        public WorkspacePhase? Phase { get; set; }

        public AgentErrorCode? ErrorCode { get; set; }

        public DateTimeOffset LastWrite { get; set; }

        public GitSummary? Git { get; set; }

        /// <summary>What this watch last reported to the runtime (<see cref="IAgentReports"/>).</summary>
        public string? Reported { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The agent of workspace {WorkspaceId} did not answer: {Reason}")]
    private partial void LogAgentUnreachable(string workspaceId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Watching the agent of workspace {WorkspaceId} failed")]
    private partial void LogWatchFailed(Exception exception, string workspaceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reporting the agent's ports and Git state of workspace {WorkspaceId} to the runtime failed")]
    private partial void LogReportFailed(Exception exception, string workspaceId);
}
