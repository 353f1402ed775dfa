using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Workspaces.Shared.Agent;

/// <summary>
/// Passing a connected socket from one process to another over a Unix socket (<c>SCM_RIGHTS</c>, which .NET's
/// <see cref="Socket"/> does not expose): the file descriptor travels with the first byte of a message, and the receiver
/// gets its own descriptor of the same connection. Sockets keep their network namespace, so a socket that a sandboxed
/// agent connected to its workspace's loopback reaches that listener from the web app's process too. Constants and
/// layouts are the Linux ones shared by x86-64 and arm64.
/// </summary>
public static partial class SocketHandOver
{
    private const int SolSocket = 1;
    private const int ScmRights = 1;
    private const int MsgDontWait = 0x40;
    private const int MsgCTrunc = 0x8;
    private const int MsgNoSignal = 0x4000;
    private const int MsgCmsgCloExec = 0x40000000;
    private const int EAgain = 11;
    private const int EIntr = 4;

    /// <summary><c>CMSG_SPACE(sizeof(int))</c>: the header (16 bytes) and one descriptor, padded to 8.</summary>
    private const int ControlSpace = 24;

    /// <summary><c>CMSG_LEN(sizeof(int))</c>.</summary>
    private const int ControlLength = 20;

    /// <summary>
    /// Sends <paramref name="data"/> on the Unix socket <paramref name="through"/> with a descriptor of <paramref name="socket"/>
    /// attached. For a short message on a connection with nothing queued: a full send buffer is an error, not a wait.
    /// </summary>
    public static unsafe void Send(Socket through, ReadOnlySpan<byte> data, Socket socket)
    {
        ArgumentNullException.ThrowIfNull(through);
        ArgumentNullException.ThrowIfNull(socket);
        if (data.IsEmpty)
        {
            throw new ArgumentException("A descriptor travels with at least one byte.", nameof(data));
        }

        var throughHandle = through.SafeHandle;
        var socketHandle = socket.SafeHandle;
        var addedThrough = false;
        var addedSocket = false;
        try
        {
            throughHandle.DangerousAddRef(ref addedThrough);
            socketHandle.DangerousAddRef(ref addedSocket);
            var control = stackalloc byte[ControlSpace];
            new Span<byte>(control, ControlSpace).Clear();
            var header = (ControlHeader*)control;
            header->Length = ControlLength;
            header->Level = SolSocket;
            header->Type = ScmRights;
            *(int*)(control + sizeof(ControlHeader)) = (int)socketHandle.DangerousGetHandle();
            fixed (byte* bytes = data)
            {
                var sent = 0;
                while (sent < data.Length)
                {
                    var vector = new IoVector { Base = bytes + sent, Length = (nuint)(data.Length - sent) };
                    var message = new MessageHeader { Vectors = &vector, VectorCount = 1 };
                    if (sent == 0)
                    {
                        message.Control = control;
                        message.ControlLength = ControlSpace;
                    }

                    var result = SendMessage((int)throughHandle.DangerousGetHandle(), &message, MsgNoSignal | MsgDontWait);
                    if (result < 0)
                    {
                        var errno = Marshal.GetLastPInvokeError();
                        if (errno == EIntr)
                        {
                            continue;
                        }

                        throw new IOException($"Handing the socket over failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
                    }

                    sent += (int)result;
                }
            }
        }
        finally
        {
            if (addedSocket)
            {
                socketHandle.DangerousRelease();
            }

            if (addedThrough)
            {
                throughHandle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Waits until <paramref name="through"/> has data and reads what is there into <paramref name="buffer"/>: the count
    /// (0 at the end of the stream) and the socket that came with it, if one did.
    /// </summary>
    public static async ValueTask<(int Read, Socket? Socket)> ReceiveAsync(Socket through, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(through);
        while (true)
        {
            // A zero-byte receive completes when data is there without taking any of it.
            await through.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken);
            if (TryReceive(through, buffer.Span, out var read, out var descriptor))
            {
                return (read, descriptor < 0 ? null : ToSocket(descriptor));
            }
        }
    }

    /// <summary>A received descriptor as a socket (closed again when it is none: <c>ENOTSOCK</c>).</summary>
    private static Socket ToSocket(nint descriptor)
    {
        var handle = new SafeSocketHandle(descriptor, ownsHandle: true);
        try
        {
            return new Socket(handle);
        }
        catch (SocketException e)
        {
            handle.Dispose();
            throw new IOException($"What came with the message is not a usable socket: {e.Message}", e);
        }
    }

    /// <summary>One non-blocking <c>recvmsg</c>: false when nothing was there after all.</summary>
    private static unsafe bool TryReceive(Socket through, Span<byte> buffer, out int read, out nint descriptor)
    {
        var handle = through.SafeHandle;
        var added = false;
        descriptor = -1;
        try
        {
            handle.DangerousAddRef(ref added);
            var control = stackalloc byte[ControlSpace];
            new Span<byte>(control, ControlSpace).Clear();
            fixed (byte* bytes = buffer)
            {
                while (true)
                {
                    var vector = new IoVector { Base = bytes, Length = (nuint)buffer.Length };
                    var message = new MessageHeader { Vectors = &vector, VectorCount = 1, Control = control, ControlLength = ControlSpace };
                    var result = ReceiveMessage((int)handle.DangerousGetHandle(), &message, MsgDontWait | MsgCmsgCloExec);
                    if (result < 0)
                    {
                        var errno = Marshal.GetLastPInvokeError();
                        if (errno == EIntr)
                        {
                            continue;
                        }

                        read = 0;
                        return errno == EAgain
                            ? false
                            : throw new IOException($"Receiving from the agent failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
                    }

                    read = (int)result;
                    var header = (ControlHeader*)control;
                    if (message.ControlLength >= ControlLength && header->Level == SolSocket && header->Type == ScmRights)
                    {
                        descriptor = *(int*)(control + sizeof(ControlHeader));
                    }

                    if ((message.Flags & MsgCTrunc) != 0)
                    {
                        // More descriptors than one were sent: the kernel closed the rest; ours is refused too.
                        if (descriptor >= 0)
                        {
                            using var extra = new SafeSocketHandle(descriptor, ownsHandle: true);
                        }

                        throw new IOException("The agent sent more than one socket.");
                    }

                    return true;
                }
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public byte* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ControlHeader
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static unsafe partial nint SendMessage(int fd, MessageHeader* message, int flags);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static unsafe partial nint ReceiveMessage(int fd, MessageHeader* message, int flags);
}
