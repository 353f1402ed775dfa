using System.Globalization;
using System.Security.Cryptography;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;
using Workspaces.Shared.Terminals;
using Workspaces.WorkspaceAgent.Tasks;
using Workspaces.WorkspaceAgent.Terminals.Native;

namespace Workspaces.WorkspaceAgent.Terminals;

/// <summary>
/// The workspace's terminals: interactive shells clients create, and one per configured task. A terminal stays listed
/// after its process exited (its output can still be read) until it is closed.
/// </summary>
public sealed partial class TerminalManager : IAsyncDisposable
{
    public const int MaxColumns = 1000;
    public const int MaxRows = 1000;
    public const int MaxNameLength = 100;

    private readonly Lock _lock = new();
    private readonly List<Terminal> _terminals = [];
    private readonly List<Task> _shells = [];
    private readonly List<Task> _closing = [];
    private readonly TerminalOptions _options;
    private readonly PtyReactor _reactor;
    private readonly ChildProcessExits _exits;
    private readonly AgentBootstrap _bootstrap;
    private readonly WorkspaceLayout _layout;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<TerminalManager> _logger;
    private WorkspaceConfig? _config;
    private bool _disposed;

    internal TerminalManager(
        TerminalOptions options,
        PtyReactor reactor,
        ChildProcessExits exits,
        AgentBootstrap bootstrap,
        WorkspaceLayout layout,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        options.Validate();
        _options = options;
        _reactor = reactor;
        _exits = exits;
        _bootstrap = bootstrap;
        _layout = layout;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<TerminalManager>();
    }

    /// <summary>Raised with the new list whenever a terminal was created, renamed, exited or closed.</summary>
    public event Action<IReadOnlyList<TerminalInfo>>? Changed;

    /// <summary>A standalone manager with its own reactor (tests, tools); the agent gets one from <see cref="TerminalsExtensions.AddTerminals"/>.</summary>
    public static TerminalManager CreateStandalone(TerminalOptions options, AgentBootstrap bootstrap, WorkspaceLayout layout, TimeProvider time, ILoggerFactory loggers) =>
        new(options, new PtyReactor(loggers.CreateLogger<PtyReactor>()), new ChildProcessExits(), bootstrap, layout, time, loggers) { OwnsNativeServices = true };

    private bool OwnsNativeServices { get; init; }

    /// <summary>The repository's configuration, once read: new shells get its environment.</summary>
    public void UseWorkspaceConfig(WorkspaceConfig config)
    {
        lock (_lock)
        {
            _config = config;
        }
    }

    /// <remarks>An array: MessagePack serializes by runtime type, and a collection expression's hidden list type has no formatter.</remarks>
    public IReadOnlyList<TerminalInfo> List()
    {
        lock (_lock)
        {
            return _terminals.Select(terminal => terminal.Info).ToArray();
        }
    }

    public Terminal? Find(string id)
    {
        lock (_lock)
        {
            return _terminals.Find(terminal => terminal.Id == id);
        }
    }

    /// <summary>Opens a terminal running the workspace's login shell in the checkout.</summary>
    public TerminalInfo CreateShell(string? name, int columns, int rows)
    {
        ValidateSize(columns, rows);
        WorkspaceConfig? config;
        lock (_lock)
        {
            config = _config;
        }

        var environment = TerminalEnvironment.ForShell(TaskEnvironment.OfCurrentProcess(), config, _bootstrap);
        var shell = TerminalEnvironment.ShellFor(_options, environment);
        var shellName = Path.GetFileName(shell);

        // Before the clone finished there is no checkout yet; a shell in the workspace still helps to look around.
        var directory = Directory.Exists(_layout.CheckoutDirectory) ? _layout.CheckoutDirectory : _layout.WorkspaceDirectory;
        var command = new PtyCommand(shell, ["-" + shellName], environment, directory);

        var terminal = Add(NewId(), string.IsNullOrWhiteSpace(name) ? shellName : ValidName(name), taskIndex: null, columns, rows, log: null);
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var shellTask = RunShellAsync(terminal, command, running);
        lock (_lock)
        {
            _shells.RemoveAll(task => task.IsCompleted);
            _shells.Add(shellTask);
        }

        if (running.Task.Exception is { } failed)
        {
            throw failed.InnerException!;
        }

        return terminal.Info;
    }

    /// <summary>A terminal for task <paramref name="taskIndex"/> (id <c>task-{index}</c>), its output also appended to <paramref name="logFile"/>.</summary>
    public Terminal CreateTaskTerminal(int taskIndex, string name, string logFile)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        var log = new FileStream(logFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        try
        {
            return Add(string.Create(CultureInfo.InvariantCulture, $"task-{taskIndex}"), name, taskIndex, 80, 24, log);
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Closes the terminal: gone from the list, hung up (SIGHUP to what runs in it). Returns without waiting for its
    /// processes to end (SIGKILL after the grace period follows in the background); false if there is no such terminal.
    /// </summary>
    public bool Close(string id)
    {
        Terminal? terminal;
        lock (_lock)
        {
            terminal = _terminals.Find(candidate => candidate.Id == id);
            if (terminal is null)
            {
                return false;
            }

            _terminals.Remove(terminal);
        }

        var closing = terminal.CloseAsync(CancellationToken.None);
        lock (_lock)
        {
            _closing.RemoveAll(task => task.IsCompleted);
            _closing.Add(closing);
        }

        terminal.Changed -= OnTerminalChanged;
        LogClosed(_logger, id);
        RaiseChanged();
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        List<Terminal> terminals;
        Task[] shells;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            terminals = [.. _terminals];
            shells = [.. _shells, .. _closing];
            _terminals.Clear();
        }

        await Task.WhenAll(terminals.Select(terminal => terminal.CloseAsync(CancellationToken.None)));
        await Task.WhenAll(shells);
        if (OwnsNativeServices)
        {
            _reactor.Dispose();
            _exits.Dispose();
        }
    }

    internal static void ValidateSize(int columns, int rows)
    {
        if (columns is < 1 or > MaxColumns || rows is < 1 or > MaxRows)
        {
            throw new ArgumentOutOfRangeException(nameof(columns), $"A terminal is 1 to {MaxColumns} columns by 1 to {MaxRows} rows.");
        }
    }

    internal static string ValidName(string name)
    {
        var trimmed = name.Trim();
        if (trimmed.Length is 0 or > MaxNameLength)
        {
            throw new ArgumentException($"A terminal's name is 1 to {MaxNameLength} characters.", nameof(name));
        }

        return trimmed;
    }

    private Terminal Add(string id, string name, int? taskIndex, int columns, int rows, Stream? log)
    {
        Telemetry.AgentDiagnostics.TerminalsOpened.Add(1, new KeyValuePair<string, object?>("workspaces.terminal.kind", taskIndex is null ? "shell" : "task"));
        Terminal terminal;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_terminals.Exists(existing => existing.Id == id))
            {
                throw new InvalidOperationException($"Terminal {id} already exists.");
            }

            terminal = new Terminal(id, name, taskIndex, columns, rows, log, _options, _reactor, _exits, _time, _loggers.CreateLogger<Terminal>());
            terminal.Changed += OnTerminalChanged;
            _terminals.Add(terminal);
        }

        LogCreated(_logger, id, name);
        RaiseChanged();
        return terminal;
    }

    private async Task RunShellAsync(Terminal terminal, PtyCommand command, TaskCompletionSource running)
    {
        int? exitCode = null;
        try
        {
            exitCode = await terminal.RunAsync(command, _ => running.TrySetResult());
        }
        catch (Exception ex) when (!running.Task.IsCompleted)
        {
            // Could not start: the caller reports it, and the terminal goes away.
            running.TrySetException(ex);
            Close(terminal.Id);
            return;
        }
        catch (ObjectDisposedException)
        {
            return; // Closed while running.
        }
        catch (Exception ex)
        {
            LogShellFailed(_logger, ex, terminal.Id);
        }

        terminal.MarkExited(exitCode);
    }

    private void OnTerminalChanged(Terminal terminal) => RaiseChanged();

    private void RaiseChanged()
    {
        var handler = Changed;
        if (handler is null)
        {
            return;
        }

        try
        {
            handler(List());
        }
        catch (Exception ex)
        {
            LogNotifyFailed(_logger, ex);
        }
    }

    private static string NewId() => "t-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    [LoggerMessage(Level = LogLevel.Information, Message = "Terminal {TerminalId} ({Name}) created")]
    private static partial void LogCreated(ILogger logger, string terminalId, string name);

    [LoggerMessage(Level = LogLevel.Error, Message = "Terminal {TerminalId}: following its shell failed")]
    private static partial void LogShellFailed(ILogger logger, Exception exception, string terminalId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Terminal {TerminalId} closed")]
    private static partial void LogClosed(ILogger logger, string terminalId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telling clients about changed terminals failed")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception);
}
