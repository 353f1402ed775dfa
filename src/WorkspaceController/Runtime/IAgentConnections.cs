using System.Net;
using System.Net.Sockets;

namespace Workspaces.WorkspaceController.Runtime;

/// <summary>
/// How the web app opens a connection to a workspace's agent, given the agent URL its runtime reported: TCP for agents
/// that listen on an address (pods, unsandboxed local agents), a Unix socket for sandboxed local agents, which have no
/// address the web app shares. Every client that talks to agents connects through this.
/// </summary>
public interface IAgentConnections
{
    /// <summary>A connected socket to the agent at <paramref name="agentUrl"/> (its host and port; the path is not used).</summary>
    ValueTask<Socket> ConnectAsync(Uri agentUrl, CancellationToken cancellationToken);

    /// <summary>Whether the web app can connect to the workspace's ports at the agent URL's host; if not, only the agent's relay reaches them.</summary>
    bool ReachesPortsDirectly(Uri agentUrl);
}

/// <summary>Agents on a network address: a TCP connection to the URL's host and port.</summary>
public sealed class TcpAgentConnections : IAgentConnections
{
    public async ValueTask<Socket> ConnectAsync(Uri agentUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agentUrl);
        var host = agentUrl.IdnHost.Trim('[', ']');
        EndPoint endpoint = IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, agentUrl.Port) : new DnsEndPoint(host, agentUrl.Port);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public bool ReachesPortsDirectly(Uri agentUrl) => true;
}

public static class AgentConnectionsExtensions
{
    /// <summary>A connect callback for an HTTP handler whose requests all go to agents.</summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallback(this IAgentConnections connections)
    {
        ArgumentNullException.ThrowIfNull(connections);
        return async (context, cancellationToken) =>
        {
            var uri = context.InitialRequestMessage.RequestUri ?? throw new InvalidOperationException("A request to an agent has no URI.");
            var socket = await connections.ConnectAsync(uri, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        };
    }
}
