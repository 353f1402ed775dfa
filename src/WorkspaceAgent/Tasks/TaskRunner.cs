using System.Diagnostics;
using System.Globalization;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;
using Workspaces.WorkspaceAgent.Status;

namespace Workspaces.WorkspaceAgent.Tasks;

/// <summary>
/// Runs the configured tasks, all at once: each runs <c>before</c> (every start), <c>init</c> (once per workspace) and
/// <c>command</c> (every start; may run forever, like a dev server). <see cref="StartAsync"/> returns when every task is
/// prepared (before and init done, or failed); commands go on running until <see cref="StopAsync"/> ends every process
/// the tasks started.
/// </summary>
public sealed partial class TaskRunner : IAsyncDisposable
{
    private static readonly TimeSpan ExitPollInterval = TimeSpan.FromMilliseconds(25);

    private readonly AgentBootstrap _bootstrap;
    private readonly WorkspaceLayout _layout;
    private readonly AgentStatusStore _status;
    private readonly TaskRunnerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<TaskRunner> _logger;
    private readonly InitMarkers _markers;
    private readonly Lock _lock = new();
    private readonly List<TaskProcess> _processes = [];
    private readonly List<Task> _pipelines = [];
    private readonly CancellationTokenSource _stopping = new();
    private TaskState[] _states = [];
    private bool _started;

    public TaskRunner(
        AgentBootstrap bootstrap,
        WorkspaceLayout layout,
        AgentStatusStore status,
        TaskRunnerOptions options,
        TimeProvider time,
        ILogger<TaskRunner> logger)
    {
        _bootstrap = bootstrap;
        _layout = layout;
        _status = status;
        _options = options;
        _time = time;
        _logger = logger;
        _markers = new InitMarkers(layout);
    }

    /// <summary>True for the index of a configured task (known once <see cref="StartAsync"/> was called).</summary>
    public bool HasTask(int index)
    {
        lock (_lock)
        {
            return index >= 0 && index < _states.Length;
        }
    }

    /// <summary>Starts every task and returns once each is prepared; the tasks' commands keep running.</summary>
    public async Task StartAsync(WorkspaceConfig config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        var tasks = config.Tasks;
        var agentEnvironment = TaskEnvironment.OfCurrentProcess();
        var prepared = new List<Task>(tasks.Count);
        lock (_lock)
        {
            if (_started)
            {
                throw new InvalidOperationException("The tasks were already started.");
            }

            _started = true;
            _states = [.. tasks.Select((task, index) => new TaskState(index, NameOf(task, index), TaskRunState.Pending, null, null, null, null))];
            _status.SetTasks([.. _states]);
            Directory.CreateDirectory(_layout.TaskLogDirectory);
            for (var index = 0; index < tasks.Count; index++)
            {
                var task = tasks[index];
                var taskIndex = index;
                var environment = TaskEnvironment.Build(agentEnvironment, config, task, _bootstrap);
                var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                prepared.Add(ready.Task);
                _pipelines.Add(Task.Run(() => RunTaskAsync(taskIndex, task, environment, ready), CancellationToken.None));
            }
        }

        await Task.WhenAll(prepared).WaitAsync(cancellationToken);
        if (tasks.Select((task, index) => IsBlank(task.Init) || _markers.IsDone(index)).All(done => done))
        {
            await _markers.MarkAllDoneAsync(_time.GetUtcNow(), cancellationToken);
        }
    }

    /// <summary>Ends every process the tasks started: SIGTERM to each process group, SIGKILL to what is left after the grace period.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        List<TaskProcess> processes;
        Task[] pipelines;
        lock (_lock)
        {
            if (!_stopping.IsCancellationRequested)
            {
                _stopping.Cancel();
            }

            processes = [.. _processes];
            pipelines = [.. _pipelines];
        }

        if (processes.Count > 0)
        {
            LogStopping(_logger, processes.Count);
            await TerminateAsync(processes, cancellationToken);
        }

        await Task.WhenAll(pipelines).WaitAsync(_options.StopGracePeriod, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        lock (_lock)
        {
            foreach (var process in _processes)
            {
                process.Dispose();
            }

            _processes.Clear();
        }

        _stopping.Dispose();
    }

    private async Task RunTaskAsync(int index, WorkspaceTask task, IReadOnlyDictionary<string, string> environment, TaskCompletionSource prepared)
    {
        try
        {
            if (IsBlank(task.Before) && IsBlank(task.Init) && IsBlank(task.Command))
            {
                UpdateTask(index, state => state with { State = TaskRunState.Skipped });
                return;
            }

            if (!IsBlank(task.Before) && !IsSuccess(await RunStepAsync(index, "before", task.Before!, environment, onStarted: null)))
            {
                return;
            }

            if (!IsBlank(task.Init))
            {
                if (_markers.IsDone(index))
                {
                    await TaskLog.AppendLineAsync(_layout.TaskLogFile(index), "--- init: already done in this workspace, skipped ---", CancellationToken.None);
                }
                else if (IsSuccess(await RunStepAsync(index, "init", task.Init!, environment, onStarted: null)))
                {
                    await _markers.MarkDoneAsync(index, _time.GetUtcNow(), CancellationToken.None);
                }
                else
                {
                    return;
                }
            }

            if (IsBlank(task.Command))
            {
                UpdateTask(index, state => state with { State = TaskRunState.Succeeded, EndedAt = _time.GetUtcNow() });
                return;
            }

            await RunStepAsync(index, "command", task.Command!, environment, onStarted: () => prepared.TrySetResult());
        }
        catch (Exception ex)
        {
            LogTaskCrashed(_logger, ex, index);
            UpdateTask(index, state => state with { State = TaskRunState.Failed, EndedAt = _time.GetUtcNow() });
        }
        finally
        {
            prepared.TrySetResult();
        }
    }

    /// <summary>Runs one step to its end; its exit code, or null when the runner is stopping and the step did not start.</summary>
    private async Task<int?> RunStepAsync(int index, string step, string script, IReadOnlyDictionary<string, string> environment, Action? onStarted)
    {
        var logFile = _layout.TaskLogFile(index);
        var startedAt = _time.GetUtcNow();
        await TaskLog.AppendLineAsync(logFile, $"--- {step} ({startedAt.ToString("u", CultureInfo.InvariantCulture)}) ---", CancellationToken.None);

        TaskProcess process;
        lock (_lock)
        {
            if (_stopping.IsCancellationRequested)
            {
                return null;
            }

            process = TaskProcess.Start(_options.Shell, script, _layout.CheckoutDirectory, environment, logFile);
            _processes.Add(process);
        }

        LogStepStarted(_logger, index, step, process.ProcessId);
        UpdateTask(index, state => state with
        {
            State = TaskRunState.Running,
            Step = step,
            ExitCode = null,
            StartedAt = state.StartedAt ?? startedAt,
            EndedAt = null,
        });
        onStarted?.Invoke();

        var watch = Stopwatch.StartNew();
        var exitCode = await process.WaitForExitAsync(CancellationToken.None);
        LogStepExited(_logger, index, step, exitCode, watch.ElapsedMilliseconds);
        await TaskLog.AppendLineAsync(logFile, $"--- {step} exited with code {exitCode} ---", CancellationToken.None);

        // A failed step fails the task; a command ending ends it either way.
        if (exitCode != 0 || step == "command")
        {
            UpdateTask(index, state => state with
            {
                State = exitCode == 0 ? TaskRunState.Succeeded : TaskRunState.Failed,
                ExitCode = exitCode,
                EndedAt = _time.GetUtcNow(),
            });
        }

        return exitCode;
    }

    private async Task TerminateAsync(List<TaskProcess> processes, CancellationToken cancellationToken)
    {
        var groups = processes.Where(process => process.OwnsProcessGroup).Select(process => process.ProcessId).ToList();
        foreach (var group in groups)
        {
            Posix.SignalGroup(group, Posix.SigTerm);
        }

        foreach (var process in processes.Where(process => !process.OwnsProcessGroup))
        {
            process.KillTree();
        }

        var started = _time.GetTimestamp();
        while (groups.Any(ProcessGroupProbe.HasLiveMembers) && _time.GetElapsedTime(started) < _options.StopGracePeriod)
        {
            await Task.Delay(ExitPollInterval, _time, cancellationToken);
        }

        foreach (var group in groups.Where(ProcessGroupProbe.HasLiveMembers))
        {
            LogKilling(_logger, group, _options.StopGracePeriod.TotalSeconds);
            Posix.SignalGroup(group, Posix.SigKill);
        }
    }

    private void UpdateTask(int index, Func<TaskState, TaskState> change)
    {
        lock (_lock)
        {
            _states[index] = change(_states[index]);
            _status.UpdateTask(_states[index]);
        }
    }

    private static bool IsSuccess(int? exitCode) => exitCode == 0;

    private static bool IsBlank(string? script) => string.IsNullOrWhiteSpace(script);

    private static string NameOf(WorkspaceTask task, int index) =>
        string.IsNullOrWhiteSpace(task.Name) ? string.Create(CultureInfo.InvariantCulture, $"Task {index + 1}") : task.Name;

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskIndex}: {Step} started (process {ProcessId})")]
    private static partial void LogStepStarted(ILogger logger, int taskIndex, string step, int processId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskIndex}: {Step} exited with code {ExitCode} after {ElapsedMs} ms")]
    private static partial void LogStepExited(ILogger logger, int taskIndex, string step, int exitCode, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Task {TaskIndex} could not run")]
    private static partial void LogTaskCrashed(ILogger logger, Exception exception, int taskIndex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping the tasks' {Count} processes")]
    private static partial void LogStopping(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Process group {ProcessGroup} outlived SIGTERM by {GraceSeconds} s; killing it")]
    private static partial void LogKilling(ILogger logger, int processGroup, double graceSeconds);
}
