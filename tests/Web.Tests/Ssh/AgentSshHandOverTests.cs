using System.Net;
using System.Net.Sockets;
using System.Text;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Files;
using Workspaces.Web.Ssh;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Ssh;

/// <summary>
/// The web app's side of the SSH hand-over (<see cref="AgentSshConnector.HandOverAsync"/>) against a hand-written agent on
/// a real Unix socket: sshd's end of a socket pair is accepted with the user and host key of the 101; anything else an
/// agent (code the workspace could tamper with) hands over is refused, and an agent that predates it is asked again.
/// </summary>
public sealed class AgentSshHandOverTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly Uri AgentUrl = new("http://ws-ssh.sandbox.invalid/");
    private readonly TempDirectory _directory = TempDirectory.Create("ssh-handover");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task HandOver_AgentHandsOverASocketPairEnd_ItCarriesTheSessionWithTheUserAndHostKey()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        var (sshd, handed) = Pair();
        using var sshdEnd = sshd;
        using (handed)
        {
            var answer = await HandOverAsync(
                agent => SocketHandOver.Send(agent, Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: {AgentProtocol.SshSocketUpgrade}\r\n{AgentProtocol.SshUserHeader}: workspace\r\n{AgentProtocol.SshHostKeyHeader}: ssh-ed25519 AAAAkey\r\n\r\n"), handed),
                cancel.Token);

            Assert.NotNull(answer);
            await using var stream = answer.Stream!;
            Assert.Equal(("workspace", "ssh-ed25519 AAAAkey"), (answer.User, answer.HostKey));
            await stream.WriteAsync("SSH-2.0-client\r\n"u8.ToArray(), cancel.Token);
            var received = new byte[16];
            await sshdEnd.ReceiveAsync(received, cancel.Token);
            Assert.Equal("SSH-2.0-client\r\n", Encoding.ASCII.GetString(received));
        }
    }

    [Fact]
    public async Task HandOver_AgentThatPredatesIt_NullSoTheByteRelayIsAsked()
    {
        using var cancel = new CancellationTokenSource(Timeout);

        var answer = await HandOverAsync(agent => agent.Send("HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n"u8), cancel.Token);

        Assert.Null(answer);
    }

    [Fact]
    public async Task HandOver_AgentRefuses_AnswersItsStatusAndReason()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        const string reason = "The workspace's image has no sshd: install openssh-server.";

        var answer = await HandOverAsync(agent => agent.Send(Encoding.ASCII.GetBytes($"HTTP/1.1 501 Not Implemented\r\nContent-Length: {reason.Length}\r\n\r\n{reason}")), cancel.Token);

        Assert.NotNull(answer);
        Assert.Null(answer.Stream);
        Assert.Equal((501, reason), (answer.Status, answer.Reason));
    }

    [Fact]
    public async Task HandOver_AgentHandsOverATcpConnection_Refused()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await tcp.ConnectAsync((IPEndPoint)listener.LocalEndpoint, cancel.Token);

        var refused = await Assert.ThrowsAsync<IOException>(() => HandOverAsync(agent => SocketHandOver.Send(agent, "HTTP/1.1 101 Switching Protocols\r\n\r\n"u8, tcp), cancel.Token));

        Assert.Contains("other than a Unix stream socket", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandOver_SwitchesProtocolsWithoutASocket_Refused()
    {
        using var cancel = new CancellationTokenSource(Timeout);

        var refused = await Assert.ThrowsAsync<IOException>(() => HandOverAsync(agent => agent.Send("HTTP/1.1 101 Switching Protocols\r\n\r\n"u8), cancel.Token));

        Assert.Contains("without handing over", refused.Message, StringComparison.Ordinal);
    }

    private static (Socket, Socket) Pair()
    {
        // A connected pair of Unix stream sockets, as the agent makes for sshd (here through a listener in the test's directory).
        var directory = TempDirectory.Create("pair");
        var path = directory.Combine("p.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        var one = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        one.Connect(new UnixDomainSocketEndPoint(path));
        var other = listener.Accept();
        directory.Dispose();
        return (one, other);
    }

    /// <summary>The web app's hand-over request to an agent that answers with <paramref name="answer"/> once it has read the request.</summary>
    private Task<AgentSshAnswer?> HandOverAsync(Action<Socket> answer, CancellationToken cancellationToken) =>
        AgentOnUnixSocket.ExchangeAsync(
            _directory,
            request =>
            {
                Assert.Contains($"GET {AgentProtocol.SshPath} HTTP/1.1", request, StringComparison.Ordinal);
                Assert.Contains($"Upgrade: {AgentProtocol.SshSocketUpgrade}", request, StringComparison.Ordinal);
                Assert.Contains($"Authorization: {AgentProtocol.AuthorizationScheme} the-secret", request, StringComparison.Ordinal);
            },
            answer,
            client => AgentSshConnector.HandOverAsync(client, AgentUrl, "the-secret", cancellationToken),
            cancellationToken);
}
