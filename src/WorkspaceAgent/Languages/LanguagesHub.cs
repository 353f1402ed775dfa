using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Workspaces.Shared.Languages;
using Workspaces.WorkspaceAgent.Hubs;

namespace Workspaces.WorkspaceAgent.Languages;

/// <summary>
/// The language hub at <see cref="Shared.Languages.LanguagesHubContract.Path"/> (contract there). A read-only connection may
/// call every method; the server host lets through only the LSP methods that look (<see cref="JsonRpc.Looks"/>).
/// </summary>
public sealed class LanguagesHub(LanguageServers servers) : Hub
{
    public ChannelReader<string> Connect(string language, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(language);
        var connectionId = Context.ConnectionId;
        var client = servers.Connect(connectionId, language, ReadOnlyConnectionFilter.IsReadOnly(Context));
        cancellationToken.Register(() => servers.Disconnect(connectionId, language, client));
        return client.Reader;
    }

    public void Deliver(string language, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!servers.Deliver(Context.ConnectionId, language, message))
        {
            throw new HubException("The editor sent a message that is not JSON-RPC; the language connection was closed.");
        }
    }

    public IReadOnlyList<LanguageServerStatus> Servers() => servers.Statuses();

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        servers.DisconnectAll(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}
