using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.Ports;

/// <summary>
/// The relay's hand-over (<see cref="AgentProtocol.RelaySocketUpgrade"/>) from a real agent on a Unix socket, as a
/// sandboxed workspace's agent listens: the web app gets the agent's own connection to the listener.
/// </summary>
public sealed class PortRelayHandOverTests(PortRelayHandOverTests.UnixAgentFixture fixture) : IClassFixture<PortRelayHandOverTests.UnixAgentFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task HandOver_OnTheUnixSocket_GivesTheConnectionToTheListenerAndEndsTheAgentConnection()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        using var agent = await fixture.ConnectAsync(cancel.Token);
        await SendAsync(agent, fixture.EchoPort, AgentProtocol.RelaySocketUpgrade, TestBootstraps.Secret, cancel.Token);

        var (head, handedOver) = await ReadAnswerAsync(agent, cancel.Token);

        Assert.StartsWith("HTTP/1.1 101 ", head, StringComparison.Ordinal);
        Assert.NotNull(handedOver);
        using (handedOver)
        {
            Assert.Equal(AddressFamily.InterNetwork, handedOver.AddressFamily);
            using var stream = new NetworkStream(handedOver, ownsSocket: false);
            await stream.WriteAsync(Encoding.ASCII.GetBytes("straight to the server"), cancel.Token);
            var echoed = new byte["straight to the server".Length];
            await stream.ReadExactlyAsync(echoed, cancel.Token);
            Assert.Equal("straight to the server", Encoding.ASCII.GetString(echoed));
        }

        // The agent keeps nothing of it: its side of the request is over.
        Assert.Equal(0, await agent.ReceiveAsync(new byte[16], SocketFlags.None, cancel.Token));
    }

    [Fact]
    public async Task HandOver_WithoutTheRightSecret_UnauthorizedAndNoSocket()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        using var agent = await fixture.ConnectAsync(cancel.Token);
        await SendAsync(agent, fixture.EchoPort, AgentProtocol.RelaySocketUpgrade, "not-the-secret", cancel.Token);

        var (head, handedOver) = await ReadAnswerAsync(agent, cancel.Token);

        Assert.StartsWith("HTTP/1.1 401 ", head, StringComparison.Ordinal);
        Assert.Null(handedOver);
    }

    [Fact]
    public async Task ByteRelay_OnTheUnixSocket_StillUpgrades()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        using var agent = await fixture.ConnectAsync(cancel.Token);
        await SendAsync(agent, fixture.EchoPort, AgentProtocol.RelayUpgrade, TestBootstraps.Secret, cancel.Token);

        var (head, handedOver) = await ReadAnswerAsync(agent, cancel.Token);

        Assert.StartsWith("HTTP/1.1 101 ", head, StringComparison.Ordinal);
        Assert.Null(handedOver);
        await agent.SendAsync(Encoding.ASCII.GetBytes("through the agent"), cancel.Token);
        var echoed = new byte["through the agent".Length];
        var read = 0;
        while (read < echoed.Length)
        {
            read += await agent.ReceiveAsync(echoed.AsMemory(read), SocketFlags.None, cancel.Token);
        }

        Assert.Equal("through the agent", Encoding.ASCII.GetString(echoed));
    }

    private static async Task SendAsync(Socket agent, int port, string upgrade, string secret, CancellationToken cancellationToken) =>
        await agent.SendAsync(
            Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"GET {AgentProtocol.RelayPathPrefix}{port} HTTP/1.1\r\nHost: agent\r\nAuthorization: {AgentProtocol.AuthorizationScheme} {secret}\r\nConnection: Upgrade\r\nUpgrade: {upgrade}\r\n\r\n")),
            cancellationToken);

    /// <summary>The answer's head (read to its blank line, as the web app reads it) and the socket that came with it.</summary>
    private static async Task<(string Head, Socket? Socket)> ReadAnswerAsync(Socket agent, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        var length = 0;
        Socket? handedOver = null;
        while (buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) < 0)
        {
            var (read, socket) = await SocketHandOver.ReceiveAsync(agent, buffer.AsMemory(length), cancellationToken);
            handedOver ??= socket;
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        return (Encoding.ASCII.GetString(buffer, 0, length), handedOver);
    }

    /// <summary>One agent listening on a Unix socket and one echo server it counts as the workspace's, bound to 127.0.0.1 only.</summary>
    public sealed class UnixAgentFixture : IAsyncLifetime
    {
        private readonly GitRepositoryFixture _repositories = new();
        private readonly TempDirectory _workspace = TempDirectory.Create("ws-handover");
        private readonly TempDirectory _run = TempDirectory.Create("handover-run");
        private Process? _server;
        private AgentTestHost? _agent;

        public int EchoPort { get; private set; }

        private string SocketPath => Path.Combine(_run.Path, "agent.sock");

        public async Task<Socket> ConnectAsync(CancellationToken cancellationToken)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), cancellationToken);
            return socket;
        }

        public async Task InitializeAsync()
        {
            var repository = await _repositories.CreateAsync("handover");
            var bootstrap = TestBootstraps.Create(_workspace.Path, repository.FileUrl) with { ListenUrl = $"http://unix:{SocketPath}" };
            _agent = await AgentTestHost.StartAsync(bootstrap, WorkspaceConfig.Empty);
            _server = Process.Start(new ProcessStartInfo("python3", ["-c", PortRelayTests.RelayFixture.EchoServer]) { RedirectStandardOutput = true })!;
            EchoPort = int.Parse(await _server.StandardOutput.ReadLineAsync() ?? "0", CultureInfo.InvariantCulture);
        }

        public async Task DisposeAsync()
        {
            if (_server is not null)
            {
                _server.Kill();
                await _server.WaitForExitAsync();
                _server.Dispose();
            }

            if (_agent is not null)
            {
                await _agent.DisposeAsync();
            }

            _run.Dispose();
            _workspace.Dispose();
            _repositories.Dispose();
        }
    }
}
