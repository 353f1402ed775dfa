using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Workspaces.WorkspaceAgent.Tests.Infrastructure;

/// <summary>Connects to an agent hub as the web app's forwarder does: SignalR, MessagePack, WebSockets, the agent secret, and the headers the web app adds.</summary>
internal static class AgentHubConnections
{
    public static async Task<HubConnection> ConnectAsync(Uri agent, string path, IReadOnlyDictionary<string, string>? headers = null)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(agent, path), HttpTransportType.WebSockets, options =>
            {
                options.Headers["Authorization"] = "Bearer " + TestBootstraps.Secret;
                foreach (var (key, value) in headers ?? new Dictionary<string, string>())
                {
                    options.Headers[key] = value;
                }
            })
            .AddMessagePackProtocol()
            .Build();
        await connection.StartAsync();
        return connection;
    }
}
