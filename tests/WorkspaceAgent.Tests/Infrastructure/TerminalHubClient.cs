using System.Text;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.Shared.Terminals;

namespace Workspaces.WorkspaceAgent.Tests.Infrastructure;

/// <summary>Talks to the agent's terminal hub the way the web app's forwarder does: SignalR, MessagePack, WebSockets, bearer secret.</summary>
internal sealed class TerminalHubClient : IAsyncDisposable
{
    private readonly List<IReadOnlyList<TerminalInfo>> _changes = [];

    private TerminalHubClient(HubConnection connection)
    {
        Connection = connection;
        connection.On<IReadOnlyList<TerminalInfo>>(TerminalsHubContract.TerminalsChanged, terminals =>
        {
            lock (_changes)
            {
                _changes.Add(terminals);
            }
        });
    }

    public HubConnection Connection { get; }

    /// <summary>Every list a TerminalsChanged call brought, oldest first.</summary>
    public IReadOnlyList<IReadOnlyList<TerminalInfo>> Changes
    {
        get
        {
            lock (_changes)
            {
                return [.. _changes];
            }
        }
    }

    public static HubConnection Build(Uri agent, string? secret) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(agent, TerminalsHubContract.Path), HttpTransportType.WebSockets, options =>
            {
                if (secret is not null)
                {
                    options.Headers["Authorization"] = "Bearer " + secret;
                }
            })
            .AddMessagePackProtocol()
            .Build();

    public static async Task<TerminalHubClient> ConnectAsync(Uri agent, string? secret = TestBootstraps.Secret)
    {
        var client = new TerminalHubClient(Build(agent, secret));
        await client.Connection.StartAsync();
        return client;
    }

    public Task<TerminalInfo> CreateAsync(string? name = null, int columns = 80, int rows = 24) =>
        Connection.InvokeAsync<TerminalInfo>("CreateTerminal", new CreateTerminalRequest(name, columns, rows));

    public Task<IReadOnlyList<TerminalInfo>> ListAsync() => Connection.InvokeAsync<IReadOnlyList<TerminalInfo>>("ListTerminals");

    public Task TypeAsync(string terminalId, string text) => InputAsync(terminalId, Encoding.UTF8.GetBytes(text));

    public Task InputAsync(string terminalId, byte[] data) => Connection.InvokeAsync("Input", terminalId, data);

    public Task ResizeAsync(string terminalId, int columns, int rows) => Connection.InvokeAsync("Resize", terminalId, columns, rows);

    public Task CloseAsync(string terminalId) => Connection.InvokeAsync("Close", terminalId);

    /// <summary>Attaches from <paramref name="fromOffset"/>; acknowledges every frame unless <paramref name="acknowledge"/> is false.</summary>
    public TerminalOutput Attach(string terminalId, long fromOffset = 0, bool acknowledge = true) =>
        TerminalOutput.Start(Connection, terminalId, fromOffset, acknowledge);

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
}
