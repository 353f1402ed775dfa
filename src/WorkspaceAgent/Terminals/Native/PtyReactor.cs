using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Workspaces.WorkspaceAgent.Terminals.Native;

/// <summary>Receives readiness of a registered file descriptor on the reactor's thread.</summary>
internal interface IPtyEventSink
{
    /// <param name="readBuffer">The reactor's read buffer, to read into; valid only during the call.</param>
    void OnEvents(uint events, byte[] readBuffer);
}

/// <summary>
/// One epoll thread for every terminal's PTY master: output is read as soon as it is there, without a blocked thread
/// per terminal. Interest is level-triggered and set per descriptor (nothing while a terminal is held back by flow
/// control). The thread starts with the first registration: an agent without terminals pays nothing.
/// </summary>
internal sealed unsafe partial class PtyReactor(ILogger<PtyReactor> logger) : IDisposable
{
    public const int ReadBufferSize = 64 * 1024;
    private const int MaxEvents = 64;
    private const ulong WakeToken = 0;

    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, IPtyEventSink> _sinks = [];
    private ulong _nextToken = WakeToken + 1;
    private int _epollFd = -1;
    private int _wakeFd = -1;
    private Thread? _thread;
    private volatile bool _disposed;

    public ulong Register(IPtyEventSink sink)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            EnsureStarted();
            var token = _nextToken++;
            _sinks[token] = sink;
            return token;
        }
    }

    public void Unregister(ulong token)
    {
        lock (_lock)
        {
            _sinks.Remove(token);
        }
    }

    /// <summary>Changes which events of <paramref name="fd"/> wake the reactor: added, modified, or removed when none.</summary>
    /// <returns>The events now registered.</returns>
    public uint SetInterest(SafeHandle fd, ulong token, uint current, uint wanted)
    {
        if (current == wanted || _disposed)
        {
            return current;
        }

        var added = false;
        fd.DangerousAddRef(ref added);
        try
        {
            var operation = wanted == 0 ? LibC.EpollCtlDel : current == 0 ? LibC.EpollCtlAdd : LibC.EpollCtlMod;
            var epollEvent = stackalloc byte[16];
            BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(epollEvent, 4), wanted);
            BinaryPrimitives.WriteUInt64LittleEndian(new Span<byte>(epollEvent + LibC.EpollDataOffset, 8), token);
            if (LibC.EpollCtl(_epollFd, operation, (int)fd.DangerousGetHandle(), epollEvent) != 0)
            {
                throw new IOException($"epoll_ctl failed: {Marshal.GetLastPInvokeErrorMessage()}");
            }

            return wanted;
        }
        finally
        {
            fd.DangerousRelease();
        }
    }

    public void Dispose()
    {
        Thread? thread;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            thread = _thread;
            if (thread is not null)
            {
                ulong one = 1;
                _ = LibC.Write(_wakeFd, (byte*)&one, sizeof(ulong));
            }
        }

        if (thread is not null)
        {
            thread.Join();
            _ = LibC.Close(_wakeFd);
            _ = LibC.Close(_epollFd);
        }
    }

    private void EnsureStarted()
    {
        if (_thread is not null)
        {
            return;
        }

        _epollFd = LibC.EpollCreate1(LibC.EpollCloExec);
        if (_epollFd < 0)
        {
            throw new IOException($"epoll_create1 failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        _wakeFd = LibC.EventFd(0, LibC.EfdCloExec | LibC.EfdNonBlock);
        var epollEvent = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(epollEvent, 4), LibC.EpollIn);
        BinaryPrimitives.WriteUInt64LittleEndian(new Span<byte>(epollEvent + LibC.EpollDataOffset, 8), WakeToken);
        if (_wakeFd < 0 || LibC.EpollCtl(_epollFd, LibC.EpollCtlAdd, _wakeFd, epollEvent) != 0)
        {
            throw new IOException($"Setting up the terminal reactor failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        // A small stack: the loop only reads and hands bytes over.
        _thread = new Thread(Run, maxStackSize: 256 * 1024) { IsBackground = true, Name = "Terminal reactor" };
        _thread.Start();
    }

    private void Run()
    {
        var readBuffer = new byte[ReadBufferSize];
        var events = new byte[MaxEvents * LibC.EpollEventSize];
        while (!_disposed)
        {
            int count;
            fixed (byte* eventsPointer = events)
            {
                count = LibC.EpollWait(_epollFd, eventsPointer, MaxEvents, -1);
            }

            if (count < 0)
            {
                if (Marshal.GetLastPInvokeError() != LibC.EIntr)
                {
                    LogWaitFailed(logger, Marshal.GetLastPInvokeErrorMessage());
                    Thread.Sleep(100);
                }

                continue;
            }

            for (var index = 0; index < count && !_disposed; index++)
            {
                var entry = events.AsSpan(index * LibC.EpollEventSize, LibC.EpollEventSize);
                var flags = BinaryPrimitives.ReadUInt32LittleEndian(entry);
                var token = BinaryPrimitives.ReadUInt64LittleEndian(entry[LibC.EpollDataOffset..]);
                IPtyEventSink? sink;
                lock (_lock)
                {
                    // A sink unregistered after epoll_wait returned may still have an event in this batch.
                    _sinks.TryGetValue(token, out sink);
                }

                try
                {
                    sink?.OnEvents(flags, readBuffer);
                }
                catch (Exception ex)
                {
                    LogSinkFailed(logger, ex);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Waiting for terminal output failed: {Error}")]
    private static partial void LogWaitFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling terminal output failed")]
    private static partial void LogSinkFailed(ILogger logger, Exception exception);
}
