using System.Net;
using System.Net.Sockets;
using System.Text;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Files;
using Workspaces.Web.Previews;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Previews;

/// <summary>
/// The web app's side of the relay hand-over (<see cref="PreviewRelay.HandOverAsync"/>) against a hand-written agent on a
/// real Unix socket: what it accepts, what it refuses, and the fallback for agents that predate it.
/// </summary>
public sealed class PreviewRelayHandOverTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _directory = TempDirectory.Create("handover");
    private readonly PreviewRelayRoute _route = new("ws-handover", new Uri("http://ws-handover.sandbox.invalid/"), "the-secret", 3000);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task HandOver_AgentHandsOverATcpConnection_ReturnsItConnectedToTheListener()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var connection = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await connection.ConnectAsync((IPEndPoint)listener.LocalEndpoint, cancel.Token);
        using var accepted = await listener.AcceptSocketAsync(cancel.Token);

        using var handedOver = await HandOverAsync(agent => SocketHandOver.Send(agent, "HTTP/1.1 101 Switching Protocols\r\n\r\n"u8, connection), cancel.Token);

        Assert.NotNull(handedOver);
        await handedOver.SendAsync(Encoding.ASCII.GetBytes("hi"), cancel.Token);
        var received = new byte[2];
        Assert.Equal(2, await accepted.ReceiveAsync(received, cancel.Token));
        Assert.Equal("hi", Encoding.ASCII.GetString(received));
    }

    [Fact]
    public async Task HandOver_AgentThatPredatesIt_NullSoTheByteRelayIsAsked()
    {
        using var cancel = new CancellationTokenSource(Timeout);

        var handedOver = await HandOverAsync(agent => agent.Send(Encoding.ASCII.GetBytes("HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n")), cancel.Token);

        Assert.Null(handedOver);
    }

    [Fact]
    public async Task HandOver_AgentRefuses_ThrowsWithItsStatusAndReason()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        const string reason = "No process of the workspace listens on port 3000.";

        var refused = await Assert.ThrowsAsync<PreviewRelayException>(() => HandOverAsync(
            agent => agent.Send(Encoding.ASCII.GetBytes($"HTTP/1.1 404 Not Found\r\nContent-Length: {reason.Length}\r\n\r\n{reason}")),
            cancel.Token));

        Assert.True(refused.NothingListens);
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandOver_AgentHandsOverSomethingElseThanTcp_Refused()
    {
        using var cancel = new CancellationTokenSource(Timeout);

        // Its own Unix connection to the web app, say: a socket, but not one to a listener of the workspace.
        var refused = await Assert.ThrowsAsync<IOException>(() => HandOverAsync(
            agent => SocketHandOver.Send(agent, "HTTP/1.1 101 Switching Protocols\r\n\r\n"u8, agent),
            cancel.Token));

        Assert.Contains("other than a TCP connection", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>The web app's hand-over request to an agent that answers with <paramref name="answer"/> once it has read the request.</summary>
    private Task<Socket?> HandOverAsync(Action<Socket> answer, CancellationToken cancellationToken) =>
        AgentOnUnixSocket.ExchangeAsync(
            _directory,
            request =>
            {
                Assert.Contains($"GET {AgentProtocol.RelayPathPrefix}3000 HTTP/1.1", request, StringComparison.Ordinal);
                Assert.Contains($"Upgrade: {AgentProtocol.RelaySocketUpgrade}", request, StringComparison.Ordinal);
            },
            answer,
            client => PreviewRelay.HandOverAsync(client, _route, cancellationToken),
            cancellationToken);
}
