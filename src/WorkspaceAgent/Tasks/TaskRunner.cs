using System.Diagnostics;
using System.Globalization;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;
using Workspaces.WorkspaceAgent.Status;
using Workspaces.WorkspaceAgent.Terminals;
using Workspaces.WorkspaceAgent.Terminals.Native;

namespace Workspaces.WorkspaceAgent.Tasks;

/// <summary>
/// Runs the configured tasks, all at once, each in its own terminal (<c>task-{index}</c>, so a user can attach and
/// watch): each runs <c>before</c> (every start), <c>init</c> (once per workspace) and <c>command</c> (every start; may run
/// forever, like a dev server), one after the other on the task's terminal, everything they print also appended to the
/// task's log. <see cref="StartAsync"/> returns when every task is prepared (before and init done, or failed); commands
/// go on running until <see cref="StopAsync"/> ends every process the tasks started.
/// </summary>
public sealed partial class TaskRunner : IAsyncDisposable
{
    private readonly AgentBootstrap _bootstrap;
    private readonly WorkspaceLayout _layout;
    private readonly AgentStatusStore _status;
    private readonly TaskRunnerOptions _options;
    private readonly TerminalManager _terminals;
    private readonly TimeProvider _time;
    private readonly ILogger<TaskRunner> _logger;
    private readonly InitMarkers _markers;
    private readonly Lock _lock = new();
    private readonly List<Terminal> _taskTerminals = [];
    private readonly List<Task> _pipelines = [];
    private readonly CancellationTokenSource _stopping = new();
    private TaskState[] _states = [];
    private bool _started;

    public TaskRunner(
        AgentBootstrap bootstrap,
        WorkspaceLayout layout,
        AgentStatusStore status,
        TaskRunnerOptions options,
        TerminalManager terminals,
        TimeProvider time,
        ILogger<TaskRunner> logger)
    {
        _bootstrap = bootstrap;
        _layout = layout;
        _status = status;
        _options = options;
        _terminals = terminals;
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
                var environment = TerminalEnvironment.WithTerminalVariables(TaskEnvironment.Build(agentEnvironment, config, task, _bootstrap));
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

    /// <summary>Ends every process the tasks started: SIGTERM to each, SIGKILL to what is left after the grace period.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        List<Terminal> terminals;
        Task[] pipelines;
        lock (_lock)
        {
            if (!_stopping.IsCancellationRequested)
            {
                _stopping.Cancel();
            }

            terminals = [.. _taskTerminals];
            pipelines = [.. _pipelines];
        }

        if (terminals.Count > 0)
        {
            LogStopping(_logger, terminals.Count);
            await Task.WhenAll(terminals.Select(terminal => terminal.TerminateProcessesAsync(Sessions.SigTerm, _options.StopGracePeriod, cancellationToken)));
        }

        await Task.WhenAll(pipelines).WaitAsync(_options.StopGracePeriod, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
    }

    private async Task RunTaskAsync(int index, WorkspaceTask task, IReadOnlyDictionary<string, string> environment, TaskCompletionSource prepared)
    {
        Terminal? terminal = null;
        int? lastExitCode = null;
        try
        {
            if (IsBlank(task.Before) && IsBlank(task.Init) && IsBlank(task.Command))
            {
                UpdateTask(index, state => state with { State = TaskRunState.Skipped });
                return;
            }

            terminal = _terminals.CreateTaskTerminal(index, NameOf(task, index), _layout.TaskLogFile(index));
            lock (_lock)
            {
                _taskTerminals.Add(terminal);
            }

            if (!IsBlank(task.Before) && !IsSuccess(lastExitCode = await RunStepAsync(index, terminal, "before", task.Before!, environment, onStarted: null)))
            {
                return;
            }

            if (!IsBlank(task.Init))
            {
                if (_markers.IsDone(index))
                {
                    terminal.WriteLine("--- init: already done in this workspace, skipped ---");
                }
                else if (_status.Current.Prebuild is { Used: true } prebuild)
                {
                    terminal.WriteLine($"--- init: done {prebuild.Summary}, restored in {_bootstrap.Prebuild?.RestoreMilliseconds.ToString(CultureInfo.InvariantCulture) ?? "?"} ms; skipped ---");
                    await _markers.MarkDoneAsync(index, _time.GetUtcNow(), CancellationToken.None);
                }
                else if (IsSuccess(lastExitCode = await RunStepAsync(index, terminal, "init", task.Init!, environment, onStarted: null)))
                {
                    await _markers.MarkDoneAsync(index, _time.GetUtcNow(), CancellationToken.None);
                }
                else
                {
                    return;
                }
            }

            // A prebuild runs what prepares the workspace, never what serves it.
            if (IsBlank(task.Command) || _bootstrap.Prebuild is { Headless: true })
            {
                UpdateTask(index, state => state with { State = TaskRunState.Succeeded, EndedAt = _time.GetUtcNow() });
                return;
            }

            lastExitCode = await RunStepAsync(index, terminal, "command", task.Command!, environment, onStarted: () => prepared.TrySetResult());
        }
        catch (Exception ex)
        {
            LogTaskCrashed(_logger, ex, index);
            UpdateTask(index, state => state with { State = TaskRunState.Failed, EndedAt = _time.GetUtcNow() });
        }
        finally
        {
            terminal?.MarkExited(lastExitCode);
            prepared.TrySetResult();
        }
    }

    /// <summary>
    /// Runs one step to its end, as <c>{shell} -m -c {script}</c> on the task's terminal, with job control so what it
    /// starts in the background keeps running after it (no hangup when the step's shell ends) and Ctrl-C reaches the
    /// program in the foreground. Not a login shell: the step's environment is the workspace's, and a profile script
    /// that waits (a version manager's rehash lock left by a killed shell, say) must not hold a workspace's start. Returns the exit code, or null when the runner is stopping and the
    /// step did not start (or its exit code was lost).
    /// </summary>
    private async Task<int?> RunStepAsync(int index, Terminal terminal, string step, string script, IReadOnlyDictionary<string, string> environment, Action? onStarted)
    {
        var startedAt = _time.GetUtcNow();
        terminal.WriteLine($"--- {step} ({startedAt.ToString("u", CultureInfo.InvariantCulture)}) ---");
        var command = new PtyCommand(_options.Shell.Shell, [_options.Shell.Shell, "-m", "-c", script], environment, _layout.CheckoutDirectory);
        if (_stopping.IsCancellationRequested)
        {
            return null;
        }

        var watch = Stopwatch.StartNew();
        var exitCode = await terminal.RunAsync(command, processId =>
        {
            lock (_lock)
            {
                if (_stopping.IsCancellationRequested)
                {
                    // Started while StopAsync signalled the others: end it the same way.
                    Sessions.Signal(processId, Sessions.SigTerm);
                }
            }

            LogStepStarted(_logger, index, step, processId);
            UpdateTask(index, state => state with
            {
                State = TaskRunState.Running,
                Step = step,
                ExitCode = null,
                StartedAt = state.StartedAt ?? startedAt,
                EndedAt = null,
            });
            onStarted?.Invoke();
        });
        LogStepExited(_logger, index, step, exitCode, watch.ElapsedMilliseconds);
        terminal.WriteLine($"--- {step} exited with code {exitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown"} ---");

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
    private static partial void LogStepExited(ILogger logger, int taskIndex, string step, int? exitCode, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Task {TaskIndex} could not run")]
    private static partial void LogTaskCrashed(ILogger logger, Exception exception, int taskIndex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping the processes of {Count} tasks")]
    private static partial void LogStopping(ILogger logger, int count);
}
