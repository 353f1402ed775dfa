using System.Threading.Channels;

namespace Workspaces.Web.Workspaces;

/// <summary>
/// A de-duplicating work queue keyed by workspace id (client-go's shape): an id is queued at most once, and never handed
/// to two workers at the same time; an id added while it is being processed is queued again when that work is done.
/// </summary>
public sealed class ReconcileQueue
{
    private readonly Channel<string> _channel = Channel.CreateUnbounded<string>();
    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);
    private readonly HashSet<string> _processing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public void Add(string workspaceId)
    {
        lock (_lock)
        {
            if (_processing.Contains(workspaceId))
            {
                _dirty.Add(workspaceId);
                return;
            }

            if (_queued.Add(workspaceId))
            {
                _channel.Writer.TryWrite(workspaceId);
            }
        }
    }

    public async ValueTask<string> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var id = await _channel.Reader.ReadAsync(cancellationToken);
            lock (_lock)
            {
                _queued.Remove(id);
                if (_processing.Add(id))
                {
                    return id;
                }

                _dirty.Add(id);
            }
        }
    }

    public void Done(string workspaceId)
    {
        lock (_lock)
        {
            _processing.Remove(workspaceId);
            if (_dirty.Remove(workspaceId) && _queued.Add(workspaceId))
            {
                _channel.Writer.TryWrite(workspaceId);
            }
        }
    }
}
