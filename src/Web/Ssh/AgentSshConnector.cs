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
/// host key, or an upgrade whose stream is the bytes of a new sshd of the workspace; and asks it for user certificates
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
            if (upgrade)
            {
                request.Append(CultureInfo.InvariantCulture, $"Connection: Upgrade\r\nUpgrade: {AgentProtocol.SshUpgrade}\r\n");
            }
            else
            {
                request.Append("Connection: close\r\n");
            }

            await socket.SendAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()), cancellationToken);
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
