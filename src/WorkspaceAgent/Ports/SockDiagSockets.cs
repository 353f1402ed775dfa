using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Workspaces.WorkspaceAgent.Ports.Native;

namespace Workspaces.WorkspaceAgent.Ports;

/// <summary>
/// The listeners from the kernel's socket diagnostics over netlink (<c>sock_diag(7)</c>, what <c>ss -lt</c> uses): one
/// dump per address family of the TCP sockets in LISTEN state only, for which the kernel walks its listening hash alone
/// (never the established one, which <c>/proc/net/tcp</c> walks whole). A fresh netlink socket per read: a few system
/// calls, and no state that a failed or concurrent read could leave behind.
/// </summary>
public sealed class SockDiagSockets : IListeningSockets
{
    // <linux/netlink.h>, <linux/sock_diag.h>, <linux/inet_diag.h>
    private const ushort NlmsgError = 2;
    private const ushort NlmsgDone = 3;
    private const ushort SockDiagByFamily = 20;
    private const ushort NlmFRequest = 0x1;
    private const ushort NlmFDump = 0x300;
    private const byte AfInet = 2;
    private const byte AfInet6 = 10;
    private const byte IpProtoTcp = 6;
    private const byte TcpListen = 10;

    /// <summary><c>struct nlmsghdr</c>: length, type, flags, sequence, port id.</summary>
    private const int HeaderSize = 16;

    /// <summary><c>struct inet_diag_req_v2</c>: family, protocol, extensions, pad, states, <c>inet_diag_sockid</c>.</summary>
    private const int RequestSize = 56;

    /// <summary>
    /// <c>struct inet_diag_msg</c>: family, state, timer, retrans, <c>inet_diag_sockid</c> (source port at 4, destination
    /// port at 6, source address at 8, destination at 24, interface at 40, cookie at 44), expires, queues, uid, inode at 68.
    /// </summary>
    private const int MessageSize = 72;

    /// <summary>The kernel fills one dump datagram up to the largest buffer read so far, capped near 32 KiB.</summary>
    private const int BufferSize = 32 * 1024;

    /// <summary>A kernel or sandbox that takes the request and never answers must not stall the watcher.</summary>
    private static readonly NetlinkLibC.TimeVal ReceiveTimeout = new() { Seconds = 1 };

    private readonly byte[] _families;
    private int _sequence;

    public SockDiagSockets()
        : this([AfInet, AfInet6])
    {
    }

    /// <summary>Asks for these address families, in this order (a test asks for one the kernel refuses).</summary>
    internal SockDiagSockets(byte[] families) => _families = families;

    public IReadOnlyList<ListeningSocket> Read()
    {
        var fd = NetlinkLibC.Socket(NetlinkLibC.AfNetlink, NetlinkLibC.SockRaw | NetlinkLibC.SockCloExec, NetlinkLibC.NetlinkSockDiag);
        if (fd < 0)
        {
            throw Unavailable("socket(AF_NETLINK, NETLINK_SOCK_DIAG)", Marshal.GetLastPInvokeError());
        }

        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            SetReceiveTimeout(fd);
            var result = new List<ListeningSocket>();
            foreach (var family in _families)
            {
                var sequence = unchecked((uint)Interlocked.Increment(ref _sequence));
                SendRequest(fd, family, sequence);
                var done = false;
                while (!done)
                {
                    done = Parse(buffer.AsSpan(0, Receive(fd, buffer)), sequence, result);
                }
            }

            return result;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            NetlinkLibC.Close(fd);
        }
    }

    /// <summary>
    /// Adds the LISTEN sockets of one datagram of a dump answering <paramref name="sequence"/> to <paramref name="into"/>;
    /// true when it ended the dump.
    /// </summary>
    /// <exception cref="ListeningSocketsUnavailableException">The kernel answered with an error, or the datagram is malformed.</exception>
    internal static bool Parse(ReadOnlySpan<byte> datagram, uint sequence, List<ListeningSocket> into)
    {
        while (datagram.Length >= HeaderSize)
        {
            var length = MemoryMarshal.Read<uint>(datagram);
            if (length < HeaderSize || length > datagram.Length)
            {
                throw new ListeningSocketsUnavailableException("a malformed netlink message");
            }

            var type = MemoryMarshal.Read<ushort>(datagram[4..]);
            var payload = datagram[HeaderSize..(int)length];
            if (MemoryMarshal.Read<uint>(datagram[8..]) == sequence)
            {
                switch (type)
                {
                    case NlmsgDone:
                        // A dump that failed part way ends with a negative errno here.
                        var status = payload.Length >= 4 ? MemoryMarshal.Read<int>(payload) : 0;
                        return status >= 0 ? true : throw Unavailable("the socket dump", -status);
                    case NlmsgError:
                        // An acknowledgement (error 0) only comes when asked for; anything else is the request refused.
                        var error = payload.Length >= 4 ? MemoryMarshal.Read<int>(payload) : 0;
                        if (error != 0)
                        {
                            throw Unavailable("the socket diagnostics request", -error);
                        }

                        break;
                    case SockDiagByFamily when payload.Length >= MessageSize && payload[1] == TcpListen:
                        if (AddressOf(payload) is { } address)
                        {
                            into.Add(new ListeningSocket(address, BinaryPrimitives.ReadUInt16BigEndian(payload[4..]), MemoryMarshal.Read<uint>(payload[68..])));
                        }

                        break;
                }
            }

            var aligned = (int)Math.Min((length + 3) & ~3u, (uint)datagram.Length);
            datagram = datagram[aligned..];
        }

        return false;
    }

    private static IPAddress? AddressOf(ReadOnlySpan<byte> message) => message[0] switch
    {
        AfInet => new IPAddress(message.Slice(8, 4)),
        AfInet6 => new IPAddress(message.Slice(8, 16)),
        _ => null,
    };

    private static unsafe void SetReceiveTimeout(int fd)
    {
        var timeout = ReceiveTimeout;
        if (NetlinkLibC.SetSockOpt(fd, NetlinkLibC.SolSocket, NetlinkLibC.SoRcvTimeo, &timeout, (uint)sizeof(NetlinkLibC.TimeVal)) != 0)
        {
            throw Unavailable("setsockopt(SO_RCVTIMEO)", Marshal.GetLastPInvokeError());
        }
    }

    private static unsafe void SendRequest(int fd, byte family, uint sequence)
    {
        Span<byte> request = stackalloc byte[HeaderSize + RequestSize];
        request.Clear();
        MemoryMarshal.Write(request, (uint)request.Length);
        MemoryMarshal.Write(request[4..], SockDiagByFamily);
        MemoryMarshal.Write(request[6..], (ushort)(NlmFRequest | NlmFDump));
        MemoryMarshal.Write(request[8..], sequence);
        request[HeaderSize] = family;
        request[HeaderSize + 1] = IpProtoTcp;
        MemoryMarshal.Write(request[(HeaderSize + 4)..], 1u << TcpListen);
        fixed (byte* bytes = request)
        {
            nint sent;
            do
            {
                sent = NetlinkLibC.Send(fd, bytes, (nuint)request.Length, 0);
            }
            while (sent < 0 && Marshal.GetLastPInvokeError() == NetlinkLibC.EIntr);

            if (sent != request.Length)
            {
                throw Unavailable("send", sent < 0 ? Marshal.GetLastPInvokeError() : 0);
            }
        }
    }

    /// <summary>One datagram of the answer; its length.</summary>
    private static unsafe int Receive(int fd, byte[] buffer)
    {
        fixed (byte* bytes = buffer)
        {
            nint received;
            do
            {
                // MSG_TRUNC: the datagram's real length, so one that did not fit is noticed rather than half parsed.
                received = NetlinkLibC.Recv(fd, bytes, (nuint)buffer.Length, NetlinkLibC.MsgTrunc);
            }
            while (received < 0 && Marshal.GetLastPInvokeError() == NetlinkLibC.EIntr);

            if (received <= 0)
            {
                // EAGAIN here is the receive timeout.
                throw received < 0 ? Unavailable("recv", Marshal.GetLastPInvokeError()) : new ListeningSocketsUnavailableException("an empty netlink datagram");
            }

            return received <= buffer.Length
                ? (int)received
                : throw new ListeningSocketsUnavailableException(string.Create(CultureInfo.InvariantCulture, $"a netlink datagram of {received} bytes, larger than the {buffer.Length}-byte buffer"));
        }
    }

    private static ListeningSocketsUnavailableException Unavailable(string what, int errno) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{what} failed: {(errno == 0 ? "short write" : Marshal.GetPInvokeErrorMessage(errno))} (errno {errno})"));
}
