using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Workspaces.WorkspaceAgent.Ports;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.Ports;

/// <summary>The two sources of listening sockets against this machine's kernel, with real sockets.</summary>
public sealed class ListeningSocketsTests
{
    /// <summary>An address family no kernel has (<c>AF_MAX</c> is below 64): <c>sock_diag</c> answers EINVAL.</summary>
    private const byte UnknownFamily = 255;

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public void SockDiag_ListenerOnAddress_ListedOnceWithItsAddressPortAndTheInodeProcReports(string address)
    {
        using var listener = Listen(IPAddress.Parse(address));
        var expected = new ListeningSocket(IPAddress.Parse(address), ((IPEndPoint)listener.LocalEndPoint!).Port, InodeOf(listener));

        var fromNetlink = new SockDiagSockets().Read();
        var fromProc = new ProcNetTcpSockets().Read();

        Assert.NotEqual(0, expected.Inode);
        Assert.Equal(expected, Assert.Single(fromNetlink, s => s.Inode == expected.Inode));
        Assert.Equal(expected, Assert.Single(fromProc, s => s.Inode == expected.Inode));
    }

    [Fact]
    public void SockDiag_ConnectedAndClosedSockets_NotListed()
    {
        using var server = Listen(IPAddress.Loopback);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(server.LocalEndPoint!);
        using var accepted = server.Accept();
        long closedInode;
        using (var closed = Listen(IPAddress.IPv6Loopback))
        {
            closedInode = InodeOf(closed);
        }

        var inodes = new SockDiagSockets().Read().Select(s => s.Inode).ToHashSet();

        Assert.Contains(InodeOf(server), inodes);
        Assert.DoesNotContain(InodeOf(client), inodes);
        Assert.DoesNotContain(InodeOf(accepted), inodes);
        Assert.DoesNotContain(closedInode, inodes);
    }

    [Fact]
    public void SockDiagAndProcNetTcp_ReadTogether_ListTheSameListeners()
    {
        using var v4 = Listen(IPAddress.Loopback);
        using var v6 = Listen(IPAddress.IPv6Any);

        // Other tests (and processes) open and close listeners meanwhile, and the two reads are not one snapshot: a
        // difference is only a failure if it persists.
        HashSet<ListeningSocket> fromNetlink = [];
        HashSet<ListeningSocket> fromProc = [];
        for (var attempt = 0; attempt < 5; attempt++)
        {
            fromNetlink = [.. new SockDiagSockets().Read()];
            fromProc = [.. new ProcNetTcpSockets().Read()];
            if (fromNetlink.SetEquals(fromProc))
            {
                break;
            }
        }

        Assert.Equal(fromProc.OrderBy(s => s.Inode).ThenBy(s => s.Port), fromNetlink.OrderBy(s => s.Inode).ThenBy(s => s.Port));
        Assert.Contains(fromNetlink, s => s.Inode == InodeOf(v4));
        Assert.Contains(fromNetlink, s => s.Inode == InodeOf(v6));
    }

    [Fact]
    public void SockDiag_KernelRefusesTheRequest_Unavailable()
    {
        var refused = Assert.Throws<ListeningSocketsUnavailableException>(() => new SockDiagSockets([UnknownFamily]).Read());

        Assert.Contains("errno 22", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ListeningSockets_NetlinkRefused_ReadsProcNetTcpFromThenOnAndSaysSoOnce()
    {
        using var listener = Listen(IPAddress.Loopback);
        var netlink = new CountingSockets(new SockDiagSockets([UnknownFamily]));
        var log = new RecordingLogger<ListeningSockets>();
        var sockets = new ListeningSockets(netlink, new ProcNetTcpSockets(), log);

        var reads = Enumerable.Range(0, 3).Select(_ => sockets.Read()).ToList();

        Assert.All(reads, read => Assert.Contains(read, s => s.Inode == InodeOf(listener)));
        Assert.Equal(1, netlink.Reads);
        var line = Assert.Single(log.Entries);
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Contains("/proc/net/tcp", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ListeningSockets_NetlinkWorks_ProcNetTcpNeverRead()
    {
        using var listener = Listen(IPAddress.IPv6Loopback);
        var proc = new CountingSockets(new ProcNetTcpSockets());
        var log = new RecordingLogger<ListeningSockets>();
        var sockets = new ListeningSockets(new SockDiagSockets(), proc, log);

        var read = sockets.Read();

        Assert.Contains(read, s => s.Inode == InodeOf(listener));
        Assert.Equal(0, proc.Reads);
        Assert.Empty(log.Entries);
    }

    private static Socket Listen(IPAddress address)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, 0));
            socket.Listen();
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The socket's inode, from its descriptor's link (<c>socket:[inode]</c>), as the kernel names it.</summary>
    private static long InodeOf(Socket socket)
    {
        var target = new FileInfo($"/proc/self/fd/{socket.Handle}").LinkTarget ?? throw new InvalidOperationException("not a link");
        return long.Parse(target.AsSpan("socket:[".Length, target.Length - "socket:[".Length - 1), System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed class CountingSockets(IListeningSockets inner) : IListeningSockets
    {
        private int _reads;

        public int Reads => _reads;

        public IReadOnlyList<ListeningSocket> Read()
        {
            Interlocked.Increment(ref _reads);
            return inner.Read();
        }
    }
}
