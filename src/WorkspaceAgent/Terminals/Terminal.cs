using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using Workspaces.Shared.Terminals;
using Workspaces.WorkspaceAgent.Terminals.Native;

namespace Workspaces.WorkspaceAgent.Terminals;

/// <summary>
/// One terminal: a PTY, the processes that run on it one after the other (a shell, or a task's steps), its scrollback,
/// and the clients attached to it.
/// </summary>
/// <remarks>
/// Output flows PTY → <see cref="PtyReactor"/> → scrollback → one pump per attachment, which streams frames from the
/// scrollback at its own pace. Flow control: each attachment tracks the offset its client acknowledged; while any
/// client is more than <see cref="TerminalOptions.HighWatermarkBytes"/> behind, the PTY is not read, so the kernel's
/// buffer fills and the program blocks on write, as in a real terminal. Input never waits for output: it is written
/// to the PTY straight away (queued only when the program does not read its input).
/// </remarks>
public sealed partial class Terminal : IPtyEventSink
{
    /// <summary>Small enough for any relay's message limit; large enough that bulk output costs few messages.</summary>
    internal const int MaxFrameBytes = 32 * 1024;

    /// <summary>Input the program has not read yet; beyond this, input is refused rather than buffered.</summary>
    private const int MaxPendingInputBytes = 1024 * 1024;

    private static readonly TimeSpan DrainPollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan DrainQuietPeriod = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan SessionPollInterval = TimeSpan.FromMilliseconds(25);

    private readonly Lock _lock = new();
    private readonly Pty _pty;
    private readonly PtyReactor _reactor;
    private readonly ChildProcessExits _exits;
    private readonly TerminalOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ScrollbackRing _ring;
    private readonly Stream? _log;
    private readonly ulong _token;
    private readonly List<Attachment> _attachments = [];
    private readonly Queue<byte[]> _pendingInput = new();
    private readonly List<int> _sessions = [];
    private int _pendingInputBytes;
    private int _pendingInputOffset;
    private TaskCompletionSource? _outputWaiters;
    private TaskCompletionSource? _slaveClosed;
    private uint _interest;
    private bool _slaveOpen;
    private bool _paused;
    private bool _closed;
    private string _name;
    private int _columns;
    private int _rows;
    private bool _exited;
    private int? _exitCode;

    internal Terminal(
        string id,
        string name,
        int? taskIndex,
        int columns,
        int rows,
        Stream? log,
        TerminalOptions options,
        PtyReactor reactor,
        ChildProcessExits exits,
        TimeProvider time,
        ILogger logger)
    {
        Id = id;
        _name = name;
        TaskIndex = taskIndex;
        _columns = columns;
        _rows = rows;
        _log = log;
        _options = options;
        _reactor = reactor;
        _exits = exits;
        _time = time;
        _logger = logger;
        CreatedAt = time.GetUtcNow();
        _ring = new ScrollbackRing(options.ScrollbackBytes);
        _pty = Pty.Open(columns, rows);
        _token = reactor.Register(this);
    }

    /// <summary>Raised (outside any lock) when what <see cref="Info"/> shows changed: renamed, exited.</summary>
    public event Action<Terminal>? Changed;

    public string Id { get; }

    public int? TaskIndex { get; }

    public DateTimeOffset CreatedAt { get; }

    public TerminalInfo Info
    {
        get
        {
            lock (_lock)
            {
                return new TerminalInfo(Id, _name, _columns, _rows, TaskIndex, _exited, _exitCode, CreatedAt);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="command"/> on the terminal and waits for it to end and for its last output to be read.
    /// </summary>
    /// <param name="started">Called with the process id (also its session id) once it runs.</param>
    /// <returns>The exit code, 128 + signal when killed; null when it was lost (see <see cref="ChildProcessExits"/>).</returns>
    internal async Task<int?> RunAsync(PtyCommand command, Action<int>? started)
    {
        Task<int?> exited;
        Task slaveClosed;
        int processId;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            processId = _pty.Spawn(command);
            _sessions.Add(processId);
            _slaveOpen = true;
            _slaveClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            slaveClosed = _slaveClosed.Task;
            UpdateInterestLocked();
            exited = _exits.WatchAsync(processId);
        }

        LogStarted(_logger, Id, command.FileName, processId);
        started?.Invoke(processId);
        var exitCode = await exited;
        LogExited(_logger, Id, processId, exitCode);
        await DrainAsync(slaveClosed);
        return exitCode;
    }

    /// <summary>Adds a line the agent writes (a task step's header), as output of the terminal.</summary>
    internal void WriteLine(string line)
    {
        lock (_lock)
        {
            if (!_closed)
            {
                AppendLocked(Encoding.UTF8.GetBytes(line + "\r\n"));
            }
        }
    }

    /// <summary>The terminal's process ended for good: clients get an Exited frame once they have all its output.</summary>
    internal void MarkExited(int? exitCode)
    {
        lock (_lock)
        {
            _exited = true;
            _exitCode = exitCode;
            SignalOutputLocked();
        }

        Changed?.Invoke(this);
    }

    public void Rename(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (_lock)
        {
            _name = name.Trim();
        }

        Changed?.Invoke(this);
    }

    public void Resize(int columns, int rows)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            _pty.Resize(columns, rows);
            (_columns, _rows) = (columns, rows);
        }
    }

    /// <summary>Types <paramref name="data"/>; never waits for the program (nor for output to drain).</summary>
    /// <exception cref="InvalidOperationException">The program has left more than 1 MiB of input unread.</exception>
    public void Input(ReadOnlySpan<byte> data)
    {
        Telemetry.AgentDiagnostics.TerminalInput.Add(data.Length);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (!_slaveOpen || data.IsEmpty)
            {
                return; // Nothing runs that could read it.
            }

            if (_pendingInput.Count == 0)
            {
                var written = WriteLocked(data);
                if (written < 0 || written == data.Length)
                {
                    return;
                }

                data = data[written..];
            }

            if (_pendingInputBytes + data.Length > MaxPendingInputBytes)
            {
                throw new InvalidOperationException("The terminal's program is not reading its input.");
            }

            _pendingInput.Enqueue(data.ToArray());
            _pendingInputBytes += data.Length;
            UpdateInterestLocked();
        }
    }

    /// <summary>
    /// Streams output from <paramref name="fromOffset"/>: a Gap frame first when that is no longer in the scrollback,
    /// then everything after it, live, until the terminal is closed or <paramref name="cancellationToken"/> fires.
    /// </summary>
    /// <param name="owner">Who acknowledges this stream (the hub connection).</param>
    public ChannelReader<TerminalFrame> Attach(string owner, long fromOffset, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromOffset);
        var channel = Channel.CreateBounded<TerminalFrame>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var attachment = new Attachment(owner) { Sent = fromOffset };
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            attachment.Acknowledged = Math.Clamp(fromOffset, _ring.Start, _ring.End);
            _attachments.Add(attachment);
            _paused = IsAnyClientBehindLocked();
            UpdateInterestLocked();
        }

        _ = PumpAsync(attachment, channel.Writer, cancellationToken);
        return channel.Reader;
    }

    /// <summary>The client <paramref name="owner"/> rendered everything before <paramref name="offset"/>.</summary>
    public void Acknowledge(string owner, long offset)
    {
        lock (_lock)
        {
            foreach (var attachment in _attachments.Where(attachment => attachment.Owner == owner))
            {
                attachment.Acknowledged = Math.Clamp(offset, attachment.Acknowledged, attachment.Sent);
            }

            if (_paused && !IsAnyClientBehindLocked())
            {
                _paused = false;
                UpdateInterestLocked();
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="signal"/> to every process the terminal started (and what they started), SIGKILL to
    /// whatever is left after <paramref name="gracePeriod"/>.
    /// </summary>
    internal async Task TerminateProcessesAsync(int signal, TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        List<int> sessions;
        lock (_lock)
        {
            sessions = [.. _sessions];
        }

        foreach (var session in sessions)
        {
            Sessions.Signal(session, signal);
            Sessions.Signal(session, Sessions.SigCont); // A stopped job acts on the signal only once it runs.
        }

        var started = _time.GetTimestamp();
        while (sessions.Any(Sessions.HasLiveMembers) && _time.GetElapsedTime(started) < gracePeriod)
        {
            await Task.Delay(SessionPollInterval, _time, cancellationToken);
        }

        foreach (var session in sessions.Where(Sessions.HasLiveMembers))
        {
            LogKilling(_logger, Id, session, gracePeriod.TotalSeconds);
            Sessions.Signal(session, Sessions.SigKill);
        }
    }

    /// <summary>
    /// Hangs the terminal up: no more output or input, the PTY is freed (its processes get SIGHUP and EIO). The task
    /// completes once they ended, SIGKILL for what is left after the grace period.
    /// </summary>
    internal async Task CloseAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            _interest = _reactor.SetInterest(_pty.Master, _token, _interest, 0);
            _reactor.Unregister(_token);
            _pendingInput.Clear();
            _slaveClosed?.TrySetResult();
            SignalOutputLocked();
            _pty.Dispose();
            _log?.Dispose();
        }

        await TerminateProcessesAsync(Sessions.SigHup, _options.CloseGracePeriod, cancellationToken);
    }

    void IPtyEventSink.OnEvents(uint events, byte[] readBuffer)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            if ((events & (LibC.EpollOut | LibC.EpollHup | LibC.EpollErr)) != 0 && _pendingInput.Count > 0)
            {
                FlushInputLocked();
            }

            if ((_interest & LibC.EpollIn) == 0 || (events & (LibC.EpollIn | LibC.EpollHup | LibC.EpollErr)) == 0)
            {
                UpdateInterestLocked();
                return;
            }
        }

        // Read outside the lock: a PTY read can wait in the kernel for the line discipline's worker, and meanwhile the
        // pumps must be able to take the lock and send what was read before (measured: bulk output throughput).
        var (total, hungUp) = Read(readBuffer);
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            if (total > 0)
            {
                AppendLocked(readBuffer.AsSpan(0, total));
            }

            if (hungUp)
            {
                _slaveOpen = false;
                _pendingInput.Clear();
                _pendingInputBytes = 0;
                _slaveClosed?.TrySetResult();
            }

            UpdateInterestLocked();
        }
    }

    /// <summary>Reads what the PTY has, up to the buffer's size; only the reactor's thread calls it.</summary>
    private unsafe (int Total, bool HungUp) Read(byte[] buffer)
    {
        var total = 0;
        try
        {
            fixed (byte* start = buffer)
            {
                while (total < buffer.Length)
                {
                    var read = LibC.Read(_pty.Master, start + total, buffer.Length - total);
                    if (read > 0)
                    {
                        total += (int)read;
                        continue;
                    }

                    var error = read == 0 ? LibC.EIo : Marshal.GetLastPInvokeError();
                    if (error == LibC.EIntr)
                    {
                        continue;
                    }

                    // EIO: no process has the slave open any more (and everything it wrote was read).
                    return (total, error != LibC.EAgain);
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile (CloseAsync); the caller sees _closed.
        }

        return (total, false);
    }

    private void AppendLocked(ReadOnlySpan<byte> data)
    {
        Telemetry.AgentDiagnostics.TerminalOutput.Add(data.Length);
        _ring.Write(data);
        if (_log is not null)
        {
            try
            {
                _log.Write(data);
            }
            catch (IOException ex)
            {
                LogLogWriteFailed(_logger, ex, Id);
            }
        }

        SignalOutputLocked();
        if (!_paused && IsAnyClientBehindLocked())
        {
            _paused = true;
            UpdateInterestLocked();
        }
    }

    private unsafe int WriteLocked(ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
        {
            while (true)
            {
                var written = LibC.Write(_pty.Master, start, data.Length);
                if (written >= 0)
                {
                    return (int)written;
                }

                var error = Marshal.GetLastPInvokeError();
                if (error == LibC.EAgain)
                {
                    return 0;
                }

                if (error != LibC.EIntr)
                {
                    return -1;
                }
            }
        }
    }

    private void FlushInputLocked()
    {
        while (_pendingInput.TryPeek(out var chunk))
        {
            var written = WriteLocked(chunk.AsSpan(_pendingInputOffset));
            if (written < 0)
            {
                _pendingInput.Clear();
                _pendingInputBytes = 0;
                _pendingInputOffset = 0;
                return;
            }

            _pendingInputOffset += written;
            _pendingInputBytes -= written;
            if (_pendingInputOffset < chunk.Length)
            {
                return; // The program is still not reading; wait for EPOLLOUT.
            }

            _pendingInput.Dequeue();
            _pendingInputOffset = 0;
        }
    }

    private void UpdateInterestLocked()
    {
        var wanted = 0u;
        if (!_closed && _slaveOpen && !_paused)
        {
            wanted |= LibC.EpollIn;
        }

        if (!_closed && _pendingInput.Count > 0)
        {
            wanted |= LibC.EpollOut;
        }

        _interest = _reactor.SetInterest(_pty.Master, _token, _interest, wanted);
    }

    private bool IsAnyClientBehindLocked()
    {
        foreach (var attachment in _attachments)
        {
            if (_ring.End - attachment.Acknowledged > _options.HighWatermarkBytes)
            {
                return true;
            }
        }

        return false;
    }

    private void SignalOutputLocked()
    {
        var waiters = _outputWaiters;
        _outputWaiters = null;
        waiters?.TrySetResult();
    }

    /// <summary>
    /// After the process ended: waits until its last output was read, which is when the slave is closed, or, when a
    /// background process still holds it open, when output went quiet (not while held back by flow control).
    /// </summary>
    private async Task DrainAsync(Task slaveClosed)
    {
        var lastLength = -1L;
        var quietSince = _time.GetTimestamp();
        while (!slaveClosed.IsCompleted)
        {
            await Task.WhenAny(slaveClosed, Task.Delay(DrainPollInterval, _time));
            bool paused;
            long length;
            lock (_lock)
            {
                if (_closed)
                {
                    return;
                }

                (paused, length) = (_paused, _ring.End);
            }

            if (paused || length != lastLength)
            {
                lastLength = length;
                quietSince = _time.GetTimestamp();
            }
            else if (_time.GetElapsedTime(quietSince) >= DrainQuietPeriod)
            {
                return;
            }
        }
    }

    private async Task PumpAsync(Attachment attachment, ChannelWriter<TerminalFrame> writer, CancellationToken cancellationToken)
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                TerminalFrame? frame;
                Task? more;
                lock (_lock)
                {
                    (frame, more) = NextFrameLocked(attachment);
                }

                if (frame is not null)
                {
                    await writer.WriteAsync(frame, cancellationToken);
                }
                else if (more is not null)
                {
                    await more.WaitAsync(cancellationToken);
                }
                else
                {
                    break; // Closed.
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client detached (or its connection dropped).
        }
        catch (Exception ex)
        {
            error = ex;
            LogPumpFailed(_logger, ex, Id);
        }
        finally
        {
            lock (_lock)
            {
                _attachments.Remove(attachment);
                if (_paused && !IsAnyClientBehindLocked())
                {
                    _paused = false;
                    UpdateInterestLocked();
                }
            }

            writer.TryComplete(error);
        }
    }

    private (TerminalFrame? Frame, Task? More) NextFrameLocked(Attachment attachment)
    {
        if (_closed)
        {
            return (null, null);
        }

        if (attachment.Sent < _ring.Start || attachment.Sent > _ring.End)
        {
            var resumeAt = attachment.Sent < _ring.Start ? _ring.Start : _ring.End;
            attachment.Sent = resumeAt;
            attachment.Acknowledged = resumeAt;
            return (new TerminalFrame(TerminalFrameKind.Gap, resumeAt, [], null), null);
        }

        if (attachment.Sent < _ring.End)
        {
            var data = _ring.Read(attachment.Sent, MaxFrameBytes);
            var frame = new TerminalFrame(TerminalFrameKind.Output, attachment.Sent, data, null);
            attachment.Sent += data.Length;
            return (frame, null);
        }

        if (_exited && !attachment.ExitSent)
        {
            attachment.ExitSent = true;
            return (new TerminalFrame(TerminalFrameKind.Exited, _ring.End, [], _exitCode), null);
        }

        _outputWaiters ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return (null, _outputWaiters.Task);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Terminal {TerminalId}: started {FileName} (process {ProcessId})")]
    private static partial void LogStarted(ILogger logger, string terminalId, string fileName, int processId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Terminal {TerminalId}: process {ProcessId} exited with code {ExitCode}")]
    private static partial void LogExited(ILogger logger, string terminalId, int processId, int? exitCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Terminal {TerminalId}: session {SessionId} outlived its signal by {GraceSeconds} s; killing it")]
    private static partial void LogKilling(ILogger logger, string terminalId, int sessionId, double graceSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Terminal {TerminalId}: writing the task log failed")]
    private static partial void LogLogWriteFailed(ILogger logger, Exception exception, string terminalId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Terminal {TerminalId}: streaming output to a client failed")]
    private static partial void LogPumpFailed(ILogger logger, Exception exception, string terminalId);

    private sealed class Attachment(string owner)
    {
        public string Owner { get; } = owner;

        /// <summary>The next offset to send.</summary>
        public long Sent { get; set; }

        public long Acknowledged { get; set; }

        public bool ExitSent { get; set; }
    }
}
