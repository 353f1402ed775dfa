using System.Net.WebSockets;
using System.Text;

namespace Workspaces.TerminalLatency;

/// <summary>The peer's transport: one WebSocket per terminal, output and input as raw binary messages, control messages as JSON text.</summary>
internal sealed class PeerTerminalTransport : ITerminalTransport
{
    private readonly ClientWebSocket _socket;
    private readonly SemaphoreSlim _sending = new(1, 1); // A WebSocket allows one send at a time; input and acknowledgements share it.
    private Task _receiving = Task.CompletedTask;

    private PeerTerminalTransport(ClientWebSocket socket) => _socket = socket;

    public static async Task<PeerTerminalTransport> ConnectAsync(Uri peer, int columns, int rows, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(peer, $"/terminal?cols={columns}&rows={rows}"), cancellationToken);
        return new PeerTerminalTransport(socket);
    }

    public Task Start(OutputHandler output, CancellationToken cancellationToken) => _receiving = ReceiveAsync(output, cancellationToken);

    public ValueTask SendInputAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        SendAsync(data, WebSocketMessageType.Binary, cancellationToken);

    public ValueTask AcknowledgeAsync(long offset, CancellationToken cancellationToken) =>
        SendAsync(Encoding.UTF8.GetBytes($$"""{"type":"ack","offset":{{offset}}}"""), WebSocketMessageType.Text, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }

            await _receiving;
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // Gone already.
        }
        finally
        {
            _socket.Dispose();
            _sending.Dispose();
        }
    }

    private async ValueTask SendAsync(ReadOnlyMemory<byte> data, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(data, type, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sending.Release();
        }
    }

    private async Task ReceiveAsync(OutputHandler output, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        long offset = 0;
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            output(offset, buffer.AsSpan(0, result.Count));
            offset += result.Count;
        }
    }
}
