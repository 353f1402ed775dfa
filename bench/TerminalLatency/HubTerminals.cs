using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.Shared.Terminals;

namespace Workspaces.TerminalLatency;

/// <summary>
/// Ours: one SignalR connection (MessagePack over a WebSocket) to the web app's forwarding URL of a workspace's agent,
/// as the browser's terminal panel opens it, carrying any number of terminals.
/// </summary>
internal sealed class HubTerminals : IAsyncDisposable
{
    private HubTerminals(HubConnection connection) => Connection = connection;

    public HubConnection Connection { get; }

    public static async Task<HubTerminals> ConnectAsync(Uri webApp, string workspaceId, string token, CancellationToken cancellationToken)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(webApp, $"/workspaces/{workspaceId}/agent{TerminalsHubContract.Path}"), options =>
            {
                options.Headers["Authorization"] = "Bearer " + token;
                options.SkipNegotiation = true;
                options.Transports = HttpTransportType.WebSockets;
            })
            .AddMessagePackProtocol()
            .Build();
        connection.ServerTimeout = TimeSpan.FromSeconds(60);
        await connection.StartAsync(cancellationToken);
        return new HubTerminals(connection);
    }

    public Task<TerminalInfo> CreateAsync(int columns, int rows, CancellationToken cancellationToken) =>
        Connection.InvokeAsync<TerminalInfo>("CreateTerminal", new CreateTerminalRequest(null, columns, rows), cancellationToken);

    public ITerminalTransport Transport(string terminalId) => new HubTerminalTransport(Connection, terminalId);

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();

    private sealed class HubTerminalTransport(HubConnection connection, string terminalId) : ITerminalTransport
    {
        private Task _receiving = Task.CompletedTask;

        public Task Start(OutputHandler output, CancellationToken cancellationToken) =>
            _receiving = ReceiveAsync(output, cancellationToken);

        // The browser calls connection.send (no completion message) for input and acknowledgements; so does this.
        public ValueTask SendInputAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
            new(connection.SendAsync("Input", terminalId, data.ToArray(), cancellationToken));

        public ValueTask AcknowledgeAsync(long offset, CancellationToken cancellationToken) =>
            new(connection.SendAsync("Acknowledge", terminalId, offset, cancellationToken));

        public async ValueTask DisposeAsync()
        {
            try
            {
                await _receiving;
            }
            catch (OperationCanceledException)
            {
                // Detached.
            }
        }

        private async Task ReceiveAsync(OutputHandler output, CancellationToken cancellationToken)
        {
            var frames = await connection.StreamAsChannelAsync<TerminalFrame>("Attach", terminalId, 0L, cancellationToken);
            while (await frames.WaitToReadAsync(cancellationToken))
            {
                while (frames.TryRead(out var frame))
                {
                    if (frame.Kind == TerminalFrameKind.Output)
                    {
                        output(frame.Offset, frame.Data);
                    }
                }
            }
        }
    }
}
