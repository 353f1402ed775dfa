using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Ssh;
using Workspaces.Web.Previews;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.Web.Ssh;

/// <summary>What the agent answered about SSH: its user and host key, and for an upgrade the connection to sshd.</summary>
public sealed record AgentSshAnswer(int Status, string? Reason, string? User, string? HostKey, Stream? Stream);

/// <summary>What the agent answered to a certificate request: the certificate, or its status and reason.</summary>
public sealed record AgentCertificateAnswer(int Status, string? Reason, AgentSshCertificate? Certificate);

/// <summary>
/// Opens <see cref="AgentProtocol.SshPath"/> on a workspace's agent with its secret: a plain request for the user and
/// host key, or an upgrade whose stream is the bytes of a new sshd of the workspace (for an agent on its Unix socket,
/// sshd's own end of the connection, handed over); and asks it for user certificates
/// (<see cref="AgentProtocol.SshCertificatePath"/>).
/// </summary>
public sealed class AgentSshConnector(Microsoft.Extensions.Options.IOptions<SshOptions> options, IAgentConnections connections, IHttpClientFactory httpClients)
{
    public Task<AgentSshAnswer> AskAsync(Uri agentUrl, string agentSecret, CancellationToken cancellationToken) =>
        SendAsync(agentUrl, agentSecret, upgrade: false, cancellationToken);

    public Task<AgentSshAnswer> UpgradeAsync(Uri agentUrl, string agentSecret, CancellationToken cancellationToken) =>
        SendAsync(agentUrl, agentSecret, upgrade: true, cancellationToken);

    /// <summary>A certificate for <paramref name="publicKey"/>, signed by the workspace's CA (HTTP errors are the caller's to report).</summary>
    public async Task<AgentCertificateAnswer> CertifyAsync(Uri agentUrl, string agentSecret, AgentSshCertificateRequest request, CancellationToken cancellationToken)
    {
        var http = httpClients.CreateClient(Agents.AgentClient.HttpClientName);
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(agentUrl, AgentProtocol.SshCertificatePath))
        {
            Content = System.Net.Http.Json.JsonContent.Create(request, options: AgentJson.Options),
        };
        message.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(AgentProtocol.AuthorizationScheme, agentSecret);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.AgentConnectTimeout * 3);
        using var response = await http.SendAsync(message, timeout.Token);
        if (!response.IsSuccessStatusCode)
        {
            var reason = await response.Content.ReadAsStringAsync(timeout.Token);
            return new AgentCertificateAnswer((int)response.StatusCode, reason.Length > 1000 ? reason[..1000] : reason, null);
        }

        var certificate = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<AgentSshCertificate>(response.Content, AgentJson.Options, timeout.Token);
        return new AgentCertificateAnswer((int)response.StatusCode, null, certificate);
    }

    private async Task<AgentSshAnswer> SendAsync(Uri agent, string secret, bool upgrade, CancellationToken cancellationToken)
    {
        var socket = await ConnectAsync(agent, cancellationToken);
        if (upgrade && socket.AddressFamily == AddressFamily.Unix)
        {
            // A sandboxed agent on this machine hands over sshd's end of the connection: no byte crosses it after.
            try
            {
                if (await HandOverAsync(socket, agent, secret, cancellationToken) is { } handedOver)
                {
                    return handedOver;
                }
            }
            finally
            {
                socket.Dispose();
            }

            // An agent from before the hand-over (agents outlive the web app) refused the token: relay bytes through it.
            socket = await ConnectAsync(agent, cancellationToken);
        }

        try
        {
            await SendRequestAsync(socket, agent, secret, upgrade ? AgentProtocol.SshUpgrade : null, cancellationToken);
            var (status, head) = await PreviewRelay.ReadHeadAsync(socket, cancellationToken);
            var user = Header(head, AgentProtocol.SshUserHeader);
            var hostKey = Header(head, AgentProtocol.SshHostKeyHeader);
            if (upgrade && status == StatusCodes.Status101SwitchingProtocols)
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

    private async Task<Socket> ConnectAsync(Uri agent, CancellationToken cancellationToken)
    {
        using var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // A sandboxed agent has no address: it is reached on its Unix socket, like every other client of agents.
        connect.CancelAfter(options.Value.AgentConnectTimeout);
        return await connections.ConnectAsync(agent, connect.Token);
    }

    /// <summary>GET /ssh with the secret; an upgrade when <paramref name="upgrade"/> names its token.</summary>
    private static async Task SendRequestAsync(Socket socket, Uri agent, string secret, string? upgrade, CancellationToken cancellationToken)
    {
        var request = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"GET {AgentProtocol.SshPath} HTTP/1.1\r\nHost: {agent.Authority}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Authorization: {AgentProtocol.AuthorizationScheme} {secret}\r\n")
            .Append(upgrade is null ? "Connection: close\r\n" : $"Connection: Upgrade\r\nUpgrade: {upgrade}\r\n");
        await socket.SendAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()), cancellationToken);
    }

    /// <summary>
    /// Asks for sshd's end of the connection itself (<see cref="AgentProtocol.SshSocketUpgrade"/>): the answer with that
    /// socket as its stream, a refusal, or null when the agent does not know the token (426).
    /// </summary>
    public static async Task<AgentSshAnswer?> HandOverAsync(Socket agent, Uri agentUrl, string secret, CancellationToken cancellationToken)
    {
        await SendRequestAsync(agent, agentUrl, secret, AgentProtocol.SshSocketUpgrade, cancellationToken);
        var answer = await PreviewRelay.ReadHandOverHeadAsync(agent, "SSH", cancellationToken);
        var handedOver = answer.Socket;
        try
        {
            var head = answer.Head;
            var status = PreviewRelay.ParseStatus(head);
            var user = Header(head, AgentProtocol.SshUserHeader);
            var hostKey = Header(head, AgentProtocol.SshHostKeyHeader);
            if (status == StatusCodes.Status101SwitchingProtocols)
            {
                // The agent is code the workspace could tamper with: what it hands over must be a connected Unix stream
                // socket (its end of sshd's socket pair), which the web app only ever reads and writes.
                if (handedOver is not { SocketType: SocketType.Stream, AddressFamily: AddressFamily.Unix })
                {
                    throw new IOException(handedOver is null
                        ? "The agent switched protocols without handing over sshd's connection."
                        : $"The agent handed over something other than a Unix stream socket ({handedOver.AddressFamily}, {handedOver.SocketType}).");
                }

                if (!answer.Rest.IsEmpty)
                {
                    throw new IOException("The agent sent bytes after handing over sshd's connection.");
                }

                var stream = new NetworkStream(handedOver, ownsSocket: true);
                handedOver = null;
                return new AgentSshAnswer(status, null, user, hostKey, stream);
            }

            if (status == StatusCodes.Status426UpgradeRequired)
            {
                return null;
            }

            var reason = status >= 400 ? await PreviewRelay.ReadReasonAsync(agent, head, answer.Rest, cancellationToken) : null;
            return new AgentSshAnswer(status, reason, user, hostKey, null);
        }
        finally
        {
            handedOver?.Dispose();
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
