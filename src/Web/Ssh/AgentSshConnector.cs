using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Workspaces.Shared.Agent;
using Workspaces.Web.Previews;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.Web.Ssh;

/// <summary>What the agent answered about SSH: its user and host key, and for an upgrade the connection to sshd.</summary>
public sealed record AgentSshAnswer(int Status, string? Reason, string? User, string? HostKey, Stream? Stream);

/// <summary>
/// Opens <see cref="AgentProtocol.SshPath"/> on a workspace's agent with its secret: a plain request for the user and
/// host key, or an upgrade whose stream is the bytes of a new sshd of the workspace.
/// </summary>
public sealed class AgentSshConnector(Microsoft.Extensions.Options.IOptions<SshOptions> options, IAgentConnections connections)
{
    public Task<AgentSshAnswer> AskAsync(Uri agentUrl, string agentSecret, CancellationToken cancellationToken) =>
        SendAsync(agentUrl, agentSecret, clientKey: null, cancellationToken);

    public Task<AgentSshAnswer> UpgradeAsync(Uri agentUrl, string agentSecret, string clientKey, CancellationToken cancellationToken) =>
        SendAsync(agentUrl, agentSecret, clientKey, cancellationToken);

    private async Task<AgentSshAnswer> SendAsync(Uri agent, string secret, string? clientKey, CancellationToken cancellationToken)
    {
        Socket socket;
        using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            // A sandboxed agent has no address: it is reached on its Unix socket, like every other client of agents.
            connect.CancelAfter(options.Value.AgentConnectTimeout);
            socket = await connections.ConnectAsync(agent, connect.Token);
        }

        try
        {

            var request = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"GET {AgentProtocol.SshPath} HTTP/1.1\r\nHost: {agent.Authority}\r\n")
                .Append(CultureInfo.InvariantCulture, $"Authorization: {AgentProtocol.AuthorizationScheme} {secret}\r\n");
            if (clientKey is not null)
            {
                request.Append(CultureInfo.InvariantCulture, $"Connection: Upgrade\r\nUpgrade: {AgentProtocol.SshUpgrade}\r\n{AgentProtocol.SshClientKeyHeader}: {clientKey}\r\n");
            }
            else
            {
                request.Append("Connection: close\r\n");
            }

            await socket.SendAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()), cancellationToken);
            var (status, head) = await PreviewRelay.ReadHeadAsync(socket, cancellationToken);
            var user = Header(head, AgentProtocol.SshUserHeader);
            var hostKey = Header(head, AgentProtocol.SshHostKeyHeader);
            if (clientKey is not null && status == StatusCodes.Status101SwitchingProtocols)
            {
                return new AgentSshAnswer(status, null, user, hostKey, new NetworkStream(socket, ownsSocket: true));
            }

            var reason = status >= 400 ? await PreviewRelay.ReadReasonAsync(socket, head, cancellationToken) : null;
            socket.Dispose();
            return new AgentSshAnswer(status, reason, user, hostKey, null);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static string? Header(string head, string name)
    {
        foreach (var line in head.Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }
}
