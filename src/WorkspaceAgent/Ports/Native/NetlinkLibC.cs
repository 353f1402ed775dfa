using System.Runtime.InteropServices;

namespace Workspaces.WorkspaceAgent.Ports.Native;

/// <summary>
/// The glibc socket calls a <c>NETLINK_SOCK_DIAG</c> query needs (.NET's <c>Socket</c> refuses <c>AF_NETLINK</c>).
/// Constants are the Linux values shared by x86-64 and arm64 (asm-generic).
/// </summary>
internal static unsafe partial class NetlinkLibC
{
    public const int AfNetlink = 16;
    public const int SockRaw = 3;
    public const int SockCloExec = 0x80000;
    public const int NetlinkSockDiag = 4;

    public const int SolSocket = 1;

    /// <summary><c>SO_RCVTIMEO</c> with a 64-bit <c>struct timeval</c> (what it means on 64-bit architectures).</summary>
    public const int SoRcvTimeo = 20;

    /// <summary>Makes <c>recv</c> return a datagram's real length even when it did not fit the buffer.</summary>
    public const int MsgTrunc = 0x20;

    public const int EIntr = 4;

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeVal
    {
        public long Seconds;
        public long Microseconds;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
