using MessagePack;

namespace Workspaces.WorkspaceAgent.Hubs;

/// <summary>Reads and writes one hub's own argument and result types for <see cref="AgentHubProtocol"/>.</summary>
internal interface IHubValueCodec
{
    bool CanRead(Type type);

    object? Read(ref MessagePackReader reader, Type type);

    /// <summary>False if <paramref name="value"/> is not one of this codec's types.</summary>
    bool TryWrite(ref MessagePackWriter writer, object value);
}
