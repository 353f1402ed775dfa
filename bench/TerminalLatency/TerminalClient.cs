using System.Diagnostics;

namespace Workspaces.TerminalLatency;

/// <summary>
/// The client side of one terminal, with the browser's logic (src/Web/ClientApp/src/terminals.js): keeps the offset of
/// the next byte, drops bytes it already has, "renders" (here: counts), and acknowledges every 64 KiB rendered or 25 ms
/// after the last unacknowledged output. The same code drives ours and the peer; only the transport differs.
/// </summary>
internal sealed class TerminalClient : IAsyncDisposable
{
    public const int AckBytes = 64 * 1024;
    public static readonly TimeSpan AckDelay = TimeSpan.FromMilliseconds(25);

    private readonly ITerminalTransport _transport;
    private readonly Lock _lock = new();
    private readonly Timer _ackTimer;
    private readonly CancellationTokenSource _stopping = new();
    private long _offset;
    private long _pieces;
    private long _acked;
    private bool _ackTimerArmed;
    private long _lastOutputAt = Stopwatch.GetTimestamp();
    private Expectation? _expectation;
    private Exception? _ackFailure;

    public TerminalClient(ITerminalTransport transport)
    {
        _transport = transport;
        _ackTimer = new Timer(_ => Acknowledge(), null, Timeout.Infinite, Timeout.Infinite);
        Receiving = transport.Start(OnOutput, _stopping.Token);
    }

    /// <summary>Faults when the output stream failed (the harness reports that rather than waiting for output that cannot come).</summary>
    public Task Receiving { get; }

    /// <summary>The offset of the next byte expected: everything received so far.</summary>
    public long Offset
    {
        get
        {
            lock (_lock)
            {
                return _offset;
            }
        }
    }

    /// <summary>How many pieces (frames, messages) of output arrived.</summary>
    public long Pieces => Interlocked.Read(ref _pieces);

    public ValueTask SendInputAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => _transport.SendInputAsync(data, cancellationToken);

    /// <summary>
    /// Completes with the <see cref="Stopwatch"/> timestamp of the first output, from now on, that contains <paramref name="marker"/>
    /// (also across two pieces), and the offset just after it. Taken on the receiving thread, before any hop.
    /// </summary>
    public Task<(long Timestamp, long EndOffset)> Expect(ReadOnlySpan<byte> marker)
    {
        var expectation = new Expectation(marker.ToArray());
        lock (_lock)
        {
            if (_expectation is not null)
            {
                throw new InvalidOperationException("One expectation at a time.");
            }

            _expectation = expectation;
        }

        return Task.WhenAny(expectation.Completion.Task, Receiving).ContinueWith(
            done => done.Result == Receiving ? throw new InvalidOperationException("The terminal's output ended.", Receiving.Exception?.InnerException) : expectation.Completion.Task.Result,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Waits until no output arrived for <paramref name="quiet"/> (a prompt was printed, a line redrawn).</summary>
    public async Task WaitQuietAsync(TimeSpan quiet, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            long last;
            lock (_lock)
            {
                last = _lastOutputAt;
            }

            var silent = Stopwatch.GetElapsedTime(last);
            if (silent >= quiet)
            {
                return;
            }

            if (Receiving.IsFaulted)
            {
                throw new InvalidOperationException("The terminal's output failed.", Receiving.Exception?.InnerException);
            }

            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"The terminal did not go quiet within {timeout.TotalSeconds:0} s.");
            }

            await Task.Delay(quiet - silent, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _ackTimer.DisposeAsync();
        await _transport.DisposeAsync();
        _stopping.Dispose();
        if (_ackFailure is not null)
        {
            throw new InvalidOperationException("Acknowledging output failed.", _ackFailure);
        }
    }

    private void OnOutput(long offset, ReadOnlySpan<byte> data)
    {
        var now = Stopwatch.GetTimestamp();
        var ackNow = false;
        lock (_lock)
        {
            var end = offset + data.Length;
            if (end <= _offset)
            {
                return; // Already shown: never twice.
            }

            if (offset < _offset)
            {
                data = data[(int)(_offset - offset)..];
            }

            _offset = end;
            _pieces++;
            _lastOutputAt = now;
            if (_expectation is { } expectation && expectation.Scan(data, now, end))
            {
                _expectation = null;
            }

            // Rendering is free here; acknowledge as the browser does once xterm.js has written the data.
            if (_offset - _acked >= AckBytes)
            {
                ackNow = true;
            }
            else if (!_ackTimerArmed)
            {
                _ackTimerArmed = true;
                _ackTimer.Change(AckDelay, Timeout.InfiniteTimeSpan);
            }
        }

        if (ackNow)
        {
            Acknowledge();
        }
    }

    private void Acknowledge()
    {
        long offset;
        lock (_lock)
        {
            _ackTimerArmed = false;
            if (_offset <= _acked)
            {
                return;
            }

            offset = _acked = _offset;
        }

        // Not awaited, like the browser's connection.send(...): the next output is not held up by the acknowledgement.
        var sending = _transport.AcknowledgeAsync(offset, _stopping.Token);
        if (!sending.IsCompletedSuccessfully)
        {
            _ = ObserveAsync(sending);
        }
    }

    private async Task ObserveAsync(ValueTask sending)
    {
        try
        {
            await sending;
        }
        catch (Exception e) when (!_stopping.IsCancellationRequested)
        {
            _ackFailure = e;
        }
        catch (Exception)
        {
            // Stopping.
        }
    }

    private sealed class Expectation(byte[] marker)
    {
        private readonly byte[] _window = new byte[Math.Max(0, (2 * marker.Length) - 2)];
        private int _tail;

        public TaskCompletionSource<(long, long)> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Scan(ReadOnlySpan<byte> data, long timestamp, long end)
        {
            var index = data.IndexOf(marker);
            if (index >= 0)
            {
                Completion.TrySetResult((timestamp, end - data.Length + index + marker.Length));
                return true;
            }

            if (marker.Length > 1)
            {
                // The marker may straddle the previous piece and this one.
                var head = Math.Min(data.Length, marker.Length - 1);
                data[..head].CopyTo(_window.AsSpan(_tail));
                var joined = _window.AsSpan(0, _tail + head);
                var across = joined.IndexOf(marker);
                if (across >= 0)
                {
                    Completion.TrySetResult((timestamp, end - data.Length - _tail + across + marker.Length));
                    return true;
                }

                var keep = Math.Min(marker.Length - 1, joined.Length);
                if (data.Length >= marker.Length - 1)
                {
                    data[^keep..].CopyTo(_window);
                }
                else
                {
                    joined[^keep..].CopyTo(_window);
                }

                _tail = keep;
            }

            return false;
        }
    }
}
