namespace Workspaces.TerminalLatency;

/// <summary>How one terminal's bytes travel between the client and a server: ours (SignalR through the web app) or the peer's (a raw WebSocket).</summary>
internal interface ITerminalTransport : IAsyncDisposable
{
    /// <summary>Starts receiving; <paramref name="output"/> gets each piece of output with its absolute offset, on the receiving thread.</summary>
    /// <returns>Completes when the output ends; faults when receiving failed.</returns>
    Task Start(OutputHandler output, CancellationToken cancellationToken);

    ValueTask SendInputAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Tells the server everything before <paramref name="offset"/> was rendered (flow control).</summary>
    ValueTask AcknowledgeAsync(long offset, CancellationToken cancellationToken);
}

internal delegate void OutputHandler(long offset, ReadOnlySpan<byte> data);
