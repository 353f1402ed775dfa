using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceAgent.Status;

/// <summary>
/// The one place the agent's <see cref="AgentStatus"/> lives. Every change produces a new immutable snapshot with a higher
/// <see cref="AgentStatus.Version"/> and wakes the long polls waiting for it.
/// </summary>
public sealed class AgentStatusStore
{
    /// <summary>Clone progress arrives per object; publishing it that often would flood the long polls.</summary>
    public static readonly TimeSpan CloneProgressInterval = TimeSpan.FromMilliseconds(50);

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private AgentStatus _current;
    private TaskCompletionSource _changed = NewSignal();
    private CloneProgress? _pendingProgress;
    private long _lastProgressPublished;

    public AgentStatusStore(TimeProvider time, DateTimeOffset agentStartedAt)
    {
        _time = time;
        _current = new AgentStatus(
            Version: 1,
            Phase: WorkspacePhase.StartingAgent,
            CloneProgress: null,
            Phases: [new PhaseTiming(WorkspacePhase.StartingAgent, agentStartedAt, null)],
            Error: null,
            Tasks: [],
            Config: null,
            AgentStartedAt: agentStartedAt);
    }

    public AgentStatus Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    /// <summary>
    /// The status once its version is above <paramref name="afterVersion"/>, or the current one after <paramref name="timeout"/>.
    /// Cancellation (the caller went away) also ends the wait with the current status.
    /// </summary>
    public async Task<AgentStatus> WaitForChangeAsync(long afterVersion, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_current.Version > afterVersion)
                {
                    return _current;
                }

                changed = _changed.Task;
            }

            var remaining = timeout - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero || cancellationToken.IsCancellationRequested)
            {
                return Current;
            }

            await changed.WaitAsync(remaining, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Closes the running phase and opens <paramref name="phase"/>; Ready and Failed stay open (they last until the agent stops).</summary>
    public void EnterPhase(WorkspacePhase phase) => Publish(status => WithPhase(status, phase));

    /// <summary>Ends preparation with an error the user can act on.</summary>
    public void Fail(AgentError error) => Publish(status => WithPhase(status, WorkspacePhase.Failed) with { Error = error });

    /// <summary>Records clone progress, publishing it at most every <see cref="CloneProgressInterval"/> unless <paramref name="force"/>.</summary>
    public void ReportCloneProgress(CloneProgress progress, bool force = false)
    {
        lock (_lock)
        {
            _pendingProgress = progress;
            if (!force && _lastProgressPublished != 0 && _time.GetElapsedTime(_lastProgressPublished) < CloneProgressInterval)
            {
                return;
            }

            _lastProgressPublished = _time.GetTimestamp();
            PublishLocked(status => status);
        }
    }

    public void SetConfig(ConfigSummary config) => Publish(status => status with { Config = config });

    public void SetPrebuild(Workspaces.Shared.Prebuilds.PrebuildReport report) => Publish(status => status with { Prebuild = report });

    /// <summary>Publishes the Git summary when what it counts changed (not for a new check time alone).</summary>
    public void SetGit(Workspaces.Shared.SourceControl.GitSummary? git)
    {
        lock (_lock)
        {
            var old = _current.Git;
            if (old?.Branch == git?.Branch && old?.UncommittedChanges == git?.UncommittedChanges && old?.UnpushedCommits == git?.UnpushedCommits)
            {
                return;
            }

            PublishLocked(status => status with { Git = git });
        }
    }

    public void SetPorts(IReadOnlyList<WorkspacePort> ports) => Publish(status => status with { Ports = ports });

    public void SetTasks(IReadOnlyList<TaskState> tasks) => Publish(status => status with { Tasks = tasks });

    /// <summary>Replaces the task with the same <see cref="TaskState.Index"/>.</summary>
    public void UpdateTask(TaskState task) => Publish(status => status with
    {
        Tasks = [.. status.Tasks.Select(existing => existing.Index == task.Index ? task : existing)],
    });

    private void Publish(Func<AgentStatus, AgentStatus> change)
    {
        lock (_lock)
        {
            PublishLocked(change);
        }
    }

    private void PublishLocked(Func<AgentStatus, AgentStatus> change)
    {
        var next = change(_current);
        if (_pendingProgress is not null)
        {
            // Whatever changes next also carries the latest progress, so a throttled report is never lost for long.
            next = next with { CloneProgress = _pendingProgress };
            _pendingProgress = null;
        }

        _current = next with { Version = _current.Version + 1 };
        var changed = _changed;
        _changed = NewSignal();
        changed.TrySetResult();
    }

    private AgentStatus WithPhase(AgentStatus status, WorkspacePhase phase)
    {
        var now = _time.GetUtcNow();
        var phases = status.Phases
            .Select(timing => timing.EndedAt is null ? timing with { EndedAt = now } : timing)
            .Append(new PhaseTiming(phase, now, null))
            .ToList();
        return status with { Phase = phase, Phases = phases };
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
