using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceAgent.Ports;
using Workspaces.WorkspaceAgent.Status;

namespace Workspaces.WorkspaceAgent.Tests.Ports;

public sealed class PortDetectionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public void ParseListening_KernelTables_ReadsListenersOnlyWithAddressPortAndInode()
    {
        const string tcp = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0
               1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4343 1 0000000000000000 100 0 0 10 0
               2: 0100007F:0BB8 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000  1000        0 4444 1 0000000000000000 20 4 30 10 -1
            """;
        const string tcp6 = """
              sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000000000000000000001000000:1389 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5151 1 0000000000000000 100 0 0 10 0
            """;

        var v4 = ProcNetTcp.ParseListening(tcp);
        var v6 = ProcNetTcp.ParseListening(tcp6);

        Assert.Equal([new ListeningSocket(IPAddress.Loopback, 3000, 4242), new ListeningSocket(IPAddress.Any, 8080, 4343)], v4);
        Assert.Equal([new ListeningSocket(IPAddress.IPv6Loopback, 5001, 5151)], v6);
    }

    [Fact]
    public void Build_DeclaredAndListening_NamesFromConfigAndDeclaredPortsNotYetListening()
    {
        var config = WorkspaceConfig.Empty with
        {
            Ports = [new PortConfig(3000, null, "web", PortOnOpen.OpenPreview, PortVisibility.Public), new PortConfig(5432, null, "db", PortOnOpen.Ignore, PortVisibility.Private)],
        };

        var ports = PortList.Build([new ListeningSocket(IPAddress.Loopback, 3000, 1), new ListeningSocket(IPAddress.IPv6Any, 3000, 2), new ListeningSocket(IPAddress.Any, 9000, 3)], config);

        Assert.Equal(
            [
                new WorkspacePort(3000, "web", PortOnOpen.OpenPreview, PortVisibility.Public, true, ["127.0.0.1", "::"]),
                new WorkspacePort(5432, "db", PortOnOpen.Ignore, PortVisibility.Private, false, []),
                new WorkspacePort(9000, null, PortOnOpen.Notify, PortVisibility.Private, true, ["0.0.0.0"]),
            ],
            ports,
            (a, b) => PortList.SameAs([a], [b]));
    }

    [Theory]
    [InlineData("netlink")]
    [InlineData("/proc/net/tcp")]
    public async Task Scan_ServerStartedByTheWorkspaceStartsAndStops_AppearsThenDisappearsAndTheAgentsOwnPortNever(string source)
    {
        // The agent's own listener (this process) and a stranger's (not a descendant) are never the workspace's ports.
        using var own = new TcpListener(IPAddress.Loopback, 0);
        own.Start();
        var ownPort = ((IPEndPoint)own.LocalEndpoint).Port;
        IListeningSockets sockets = source == "netlink" ? new SockDiagSockets() : new ProcNetTcpSockets();
        var watcher = new PortWatcher(new PortWatcherOptions(), sockets, new AgentStatusStore(TimeProvider.System, DateTimeOffset.UnixEpoch), TimeProvider.System, NullLogger<PortWatcher>.Instance);

        using var server = Process.Start(new ProcessStartInfo("python3", ["-c", "import socket,sys,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)"])
        {
            RedirectStandardOutput = true,
        })!;
        try
        {
            var port = int.Parse(await server.StandardOutput.ReadLineAsync() ?? "0", System.Globalization.CultureInfo.InvariantCulture);

            await Poll.UntilAsync(() => watcher.Scan().Any(p => p.Port == port && p.Listening), Timeout, $"port {port} to be detected");
            Assert.DoesNotContain(watcher.Scan(), p => p.Port == ownPort);

            server.Kill();
            await server.WaitForExitAsync();
            await Poll.UntilAsync(() => watcher.Scan().All(p => p.Port != port), Timeout, $"port {port} to disappear");
        }
        finally
        {
            server.Kill();
        }
    }
}
