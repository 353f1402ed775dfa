using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Network;
using Workspaces.WorkspaceAgent.Ports;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.Ports;

/// <summary>The agent's relay to a listener bound only to 127.0.0.1, with a real agent and a real server of the workspace.</summary>
public sealed class PortRelayTests(PortRelayTests.RelayFixture fixture) : IClassFixture<PortRelayTests.RelayFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Relay_LoopbackOnlyServer_CopiesBytesBothWaysAndClosesWhenEitherSideEnds()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        using var relay = await RelayConnection.OpenAsync(fixture.Agent.BaseAddress, fixture.EchoPort.ToString(CultureInfo.InvariantCulture), TestBootstraps.Secret, cancel.Token);
        Assert.Equal(101, relay.Status);
        Assert.Contains($"Upgrade: {AgentProtocol.RelayUpgrade}", relay.Head, StringComparison.OrdinalIgnoreCase);

        // More than any buffer on the way, so both directions must flow at once (the server echoes as it reads).
        var sent = RandomNumberGenerator.GetBytes(4 << 20);
        var writing = Task.Run(async () => await relay.Stream.WriteAsync(sent, cancel.Token), cancel.Token);
        var received = new byte[sent.Length];
        await relay.Stream.ReadExactlyAsync(received, cancel.Token);
        await writing;
        Assert.Equal(sent, received);

        // The client ends its side: the relay closes the server's connection, and then ours (the server sees its end first).
        relay.Socket.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await relay.Stream.ReadAsync(new byte[16], cancel.Token));
    }

    [Fact]
    public async Task Relay_ServerClosesTheConnection_ClientSeesTheEndAfterTheLastBytes()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        using var relay = await RelayConnection.OpenAsync(fixture.Agent.BaseAddress, fixture.EchoPort.ToString(CultureInfo.InvariantCulture), TestBootstraps.Secret, cancel.Token);

        // "bye" makes the echo server answer and close its end.
        await relay.Stream.WriteAsync(Encoding.ASCII.GetBytes("bye"), cancel.Token);
        using var reader = new StreamReader(relay.Stream, Encoding.ASCII);
        Assert.Equal("bye", await reader.ReadToEndAsync(cancel.Token));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-secret")]
    public async Task Relay_WithoutTheRightSecret_UnauthorizedAndNotUpgraded(string? secret)
    {
        using var relay = await RelayConnection.OpenAsync(fixture.Agent.BaseAddress, fixture.EchoPort.ToString(CultureInfo.InvariantCulture), secret, CancellationToken.None);

        Assert.Equal(401, relay.Status);
    }

    [Fact]
    public async Task Relay_TheAgentsOwnPort_Forbidden()
    {
        using var relay = await RelayConnection.OpenAsync(fixture.Agent.BaseAddress, fixture.Agent.BaseAddress.Port.ToString(CultureInfo.InvariantCulture), TestBootstraps.Secret, CancellationToken.None);

        Assert.Equal(403, relay.Status);
        Assert.Contains("own port", relay.Head, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relay_PortNothingOfTheWorkspaceListensOn_NotFound()
    {
        // A stranger's listener (this test process is the agent, so its own sockets are not the workspace's) and a closed port.
        using var stranger = new TcpListener(IPAddress.Loopback, 0);
        stranger.Start();
        foreach (var port in new[] { ((IPEndPoint)stranger.LocalEndpoint).Port, ClosedPort.Reserve() })
        {
            using var relay = await RelayConnection.OpenAsync(fixture.Agent.BaseAddress, port.ToString(CultureInfo.InvariantCulture), TestBootstraps.Secret, CancellationToken.None);

            Assert.Equal(404, relay.Status);
            Assert.Contains($"No process of the workspace listens on port {port}", relay.Head, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("99999999999")]
    [InlineData("-1")]
    [InlineData("http")]
    public async Task Relay_PortOutOfRange_BadRequest(string port)
    {
        using var relay = await RelayConnection.OpenAsync(fixture.Agent.BaseAddress, port, TestBootstraps.Secret, CancellationToken.None);

        Assert.Equal(400, relay.Status);
    }

    [Fact]
    public async Task Relay_HandOverAskedOverTcp_BadRequestSayingWhatToAsk()
    {
        using var relay = await RelayConnection.OpenAsync(fixture.Agent.BaseAddress, fixture.EchoPort.ToString(CultureInfo.InvariantCulture), TestBootstraps.Secret, CancellationToken.None, AgentProtocol.RelaySocketUpgrade);

        Assert.Equal(400, relay.Status);
        Assert.Contains($"Upgrade: {AgentProtocol.RelayUpgrade}", relay.Head, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relay_PlainRequestWithoutUpgrade_UpgradeRequired()
    {
        using var client = new AgentClient(fixture.Agent.BaseAddress);

        using var response = await client.Http.GetAsync(AgentProtocol.RelayPathPrefix + fixture.EchoPort.ToString(CultureInfo.InvariantCulture));

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
    }

    [Fact]
    public void Resolve_ListenerAddresses_OnlyLoopbackDestinationsIPv4First()
    {
        static WorkspacePort Port(int port, params string[] addresses) => new(port, null, PortOnOpen.Notify, PortVisibility.Private, true, addresses);
        IReadOnlyList<WorkspacePort> ports =
        [
            Port(3000, "::", "0.0.0.0"),
            Port(3001, "::1"),
            Port(3002, "127.0.0.2"),
            Port(3003, "10.1.2.3"),
            new WorkspacePort(3004, "declared", PortOnOpen.Notify, PortVisibility.Private, false, []),
        ];

        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 3000), new IPEndPoint(IPAddress.IPv6Loopback, 3000)], PortRelay.Resolve("3000", [8700], ports).Endpoints);
        Assert.Equal([new IPEndPoint(IPAddress.IPv6Loopback, 3001)], PortRelay.Resolve("3001", [8700], ports).Endpoints);
        Assert.Equal([new IPEndPoint(IPAddress.Parse("127.0.0.2"), 3002)], PortRelay.Resolve("3002", [8700], ports).Endpoints);
        Assert.Equal(404, PortRelay.Resolve("3003", [8700], ports).Status);
        Assert.Equal(404, PortRelay.Resolve("3004", [8700], ports).Status);
        Assert.Equal(403, PortRelay.Resolve("3000", [3000], ports).Status);
    }

    /// <summary>One agent in this process and one echo server it counts as the workspace's (a child of this process), bound to 127.0.0.1 only.</summary>
    public sealed class RelayFixture : IAsyncLifetime
    {
        /// <summary>Echoes every connection's bytes until the client ends; "bye" as the whole first read makes it answer and close.</summary>
        internal const string EchoServer = """
            import socket, sys, threading
            def serve(c):
                with c:
                    first = True
                    while True:
                        data = c.recv(65536)
                        if not data:
                            return
                        c.sendall(data)
                        if first and data == b"bye":
                            return
                        first = False
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            s.listen()
            print(s.getsockname()[1], flush=True)
            while True:
                conn, _ = s.accept()
                threading.Thread(target=serve, args=(conn,), daemon=True).start()
            """;

        private readonly GitRepositoryFixture _repositories = new();
        private readonly TempDirectory _workspace = TempDirectory.Create("ws-relay");
        private Process? _server;

        internal AgentTestHost Agent { get; private set; } = null!;

        public int EchoPort { get; private set; }

        public async Task InitializeAsync()
        {
            var repository = await _repositories.CreateAsync("relay");
            Agent = await AgentTestHost.StartAsync(TestBootstraps.Create(_workspace.Path, repository.FileUrl), WorkspaceConfig.Empty);
            _server = Process.Start(new ProcessStartInfo("python3", ["-c", EchoServer]) { RedirectStandardOutput = true })!;
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

            await Agent.DisposeAsync();
            _workspace.Dispose();
            _repositories.Dispose();
        }
    }

    /// <summary>The relay request as the web app sends it, on a raw connection: the status line and head, then the stream.</summary>
    private sealed class RelayConnection : IDisposable
    {
        private RelayConnection(Socket socket, int status, string head)
        {
            Socket = socket;
            Stream = new NetworkStream(socket, ownsSocket: false);
            Status = status;
            Head = head;
        }

        public Socket Socket { get; }

        public NetworkStream Stream { get; }

        public int Status { get; }

        /// <summary>The response head, and for a refusal the start of its body.</summary>
        public string Head { get; }

        public static async Task<RelayConnection> OpenAsync(Uri agent, string port, string? secret, CancellationToken cancellationToken, string upgrade = AgentProtocol.RelayUpgrade)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, agent.Port, cancellationToken);
            var authorization = secret is null ? "" : $"Authorization: {AgentProtocol.AuthorizationScheme} {secret}\r\n";
            await socket.SendAsync(
                Encoding.ASCII.GetBytes($"GET {AgentProtocol.RelayPathPrefix}{port} HTTP/1.1\r\nHost: {agent.Authority}\r\n{authorization}Connection: Upgrade\r\nUpgrade: {upgrade}\r\n\r\n"),
                cancellationToken);

            // Byte by byte up to the blank line, so nothing after the head (relayed bytes) is consumed here.
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await socket.ReceiveAsync(one, cancellationToken) == 1)
            {
                head.Append((char)one[0]);
            }

            var status = int.Parse(head.ToString().Split(' ')[1], CultureInfo.InvariantCulture);
            var length = head.ToString().Split("\r\n").FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            if (status != 101 && length is not null)
            {
                // The refusal's reason, for assertions.
                var body = new byte[int.Parse(length["Content-Length:".Length..], CultureInfo.InvariantCulture)];
                using var stream = new NetworkStream(socket, ownsSocket: false);
                await stream.ReadExactlyAsync(body, cancellationToken);
                head.Append(Encoding.UTF8.GetString(body));
            }

            return new RelayConnection(socket, status, head.ToString());
        }

        public void Dispose()
        {
            Stream.Dispose();
            Socket.Dispose();
        }
    }
}
