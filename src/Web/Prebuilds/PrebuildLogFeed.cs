using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Workspaces.Web.Prebuilds;

/// <summary>
/// Tells the pages of this replica that a prebuild's log grew: the writer publishes after each batch it stores, and a
/// page watching that prebuild reads the new chunks at once. Only the replica that runs the prebuild hears it; pages on
/// another replica read new chunks on their refresh interval instead (docs/architecture.md, "Prebuilds").
/// </summary>
public sealed class PrebuildLogFeed
{
    private readonly ConcurrentDictionary<Channel<long>, string> _watchers = new();

    /// <summary>The log of <paramref name="prebuildId"/> now ends at <paramref name="length"/> bytes.</summary>
    public void Publish(string prebuildId, long length)
    {
        foreach (var (channel, watched) in _watchers)
        {
            if (string.Equals(watched, prebuildId, StringComparison.Ordinal))
            {
                channel.Writer.TryWrite(length);
            }
        }
    }

    /// <summary>The lengths the log reaches, newest only: a page that is slow to read skips to the latest, never queues.</summary>
    public async IAsyncEnumerable<long> WatchAsync(string prebuildId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<long>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        _watchers[channel] = prebuildId;
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken))
            {
                while (channel.Reader.TryRead(out var length))
                {
                    yield return length;
                }
            }
        }
        finally
        {
            _watchers.TryRemove(channel, out _);
        }
    }
}
