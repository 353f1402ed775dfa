using System.Threading.Channels;

namespace Workspaces.Shared.Reconciliation;

/// <summary>
/// The client-go work queue: a key is queued at most once however often it is added, and never handed to two workers at
/// once (added while being processed, it is queued again when the worker is done). Failing keys come back after a capped,
/// jittered back-off that grows per key until <see cref="Forget"/>. The web app queues workspace ids, the controller
/// Workspace names.
/// </summary>
public sealed class WorkQueue(TimeProvider timeProvider, Backoff backoff) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);
    private readonly HashSet<string> _processing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ITimer> _delayed = new(StringComparer.Ordinal);
    // Unbounded but never longer than the set of keys: a key is written only when it enters _queued.
    private readonly Channel<string> _channel = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = false });

    public int Length
    {
        get
        {
            lock (_lock)
            {
                return _queued.Count;
            }
        }
    }

    public void Add(string key)
    {
        lock (_lock)
        {
            if (_processing.Contains(key))
            {
                _dirty.Add(key);
                return;
            }

            if (_queued.Add(key))
            {
                _channel.Writer.TryWrite(key);
            }
        }
    }

    public void AddAfter(string key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        lock (_lock)
        {
            if (_delayed.Remove(key, out var existing))
            {
                existing.Dispose();
            }

            _delayed[key] = timeProvider.CreateTimer(
                _ =>
                {
                    lock (_lock)
                    {
                        if (_delayed.Remove(key, out var self))
                        {
                            self.Dispose();
                        }
                    }

                    Add(key);
                },
                null,
                delay,
                Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Adds the key back after its next back-off.</summary>
    public TimeSpan AddRateLimited(string key)
    {
        int attempt;
        lock (_lock)
        {
            attempt = _failures[key] = _failures.GetValueOrDefault(key) + 1;
        }

        var delay = backoff.Delay(attempt);
        AddAfter(key, delay);
        return delay;
    }

    /// <summary>The key succeeded: its next failure starts the back-off from the beginning.</summary>
    public void Forget(string key)
    {
        lock (_lock)
        {
            _failures.Remove(key);
        }
    }

    public async Task<string> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var key = await _channel.Reader.ReadAsync(cancellationToken);
            lock (_lock)
            {
                if (_queued.Remove(key))
                {
                    _processing.Add(key);
                    return key;
                }
            }
        }
    }

    public void Done(string key)
    {
        lock (_lock)
        {
            _processing.Remove(key);
            if (_dirty.Remove(key) && _queued.Add(key))
            {
                _channel.Writer.TryWrite(key);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var timer in _delayed.Values)
            {
                timer.Dispose();
            }

            _delayed.Clear();
            _channel.Writer.TryComplete();
        }
    }
}
