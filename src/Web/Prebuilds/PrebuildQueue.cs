using System.Threading.Channels;

namespace Workspaces.Web.Prebuilds;

/// <summary>Prebuild ids waiting for a runner. Bounded: the database keeps them queued when it is full, and the worker finds them again.</summary>
public sealed class PrebuildQueue
{
    private readonly Channel<string> _channel = Channel.CreateBounded<string>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Add(string prebuildId) => _channel.Writer.TryWrite(prebuildId);

    public ChannelReader<string> Reader => _channel.Reader;
}
