using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Workspaces.Shared.Agent;

/// <summary>
/// Passing a connected socket (or the two ends of a program's standard input and output) from one process to another
/// over a Unix socket (<c>SCM_RIGHTS</c>, which .NET's <see cref="Socket"/> does not expose): the file descriptors travel
/// with the first byte of a message, and the receiver gets its own descriptors of the same connection or pipes. Sockets keep their network namespace, so a socket that a sandboxed
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

    /// <summary>At most this many descriptors travel with one message.</summary>
    public const int MaxDescriptors = 2;

    /// <summary>The control message's header: <c>CMSG_LEN(0)</c>.</summary>
    private const int ControlHeaderLength = 16;

    /// <summary><c>CMSG_SPACE(2 * sizeof(int))</c>: the header and two descriptors (one descriptor pads to the same 24).</summary>
    private const int ControlSpace = 24;

    /// <summary>
    /// Sends <paramref name="data"/> on the Unix socket <paramref name="through"/> with a descriptor of <paramref name="socket"/>
    /// attached. For a short message on a connection with nothing queued: a full send buffer is an error, not a wait.
    /// </summary>
    public static void Send(Socket through, ReadOnlySpan<byte> data, Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Send(through, data, socket.SafeHandle, null);
    }

    /// <summary>
    /// The same with one or two descriptors of any kind (a program's pipes): <paramref name="second"/> may be null.
    /// </summary>
    public static unsafe void Send(Socket through, ReadOnlySpan<byte> data, SafeHandle first, SafeHandle? second)
    {
        ArgumentNullException.ThrowIfNull(through);
        ArgumentNullException.ThrowIfNull(first);
        if (data.IsEmpty)
        {
            throw new ArgumentException("A descriptor travels with at least one byte.", nameof(data));
        }

        var throughHandle = through.SafeHandle;
        var addedThrough = false;
        var addedFirst = false;
        var addedSecond = false;
        try
        {
            throughHandle.DangerousAddRef(ref addedThrough);
            first.DangerousAddRef(ref addedFirst);
            second?.DangerousAddRef(ref addedSecond);
            var control = stackalloc byte[ControlSpace];
            new Span<byte>(control, ControlSpace).Clear();
            var header = (ControlHeader*)control;
            header->Length = (nuint)(ControlHeaderLength + (second is null ? 1 : 2) * sizeof(int));
            header->Level = SolSocket;
            header->Type = ScmRights;
            var descriptors = (int*)(control + ControlHeaderLength);
            descriptors[0] = (int)first.DangerousGetHandle();
            if (second is not null)
            {
                descriptors[1] = (int)second.DangerousGetHandle();
            }

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
            if (addedSecond)
            {
                second!.DangerousRelease();
            }

            if (addedFirst)
            {
                first.DangerousRelease();
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
        var (read, descriptors) = await ReceiveDescriptorsAsync(through, buffer, cancellationToken);
        if (descriptors.Length > 1)
        {
            Close(descriptors);
            throw new IOException("The agent sent more than one socket.");
        }

        return (read, descriptors.Length == 0 ? null : ToSocket(descriptors[0]));
    }

    /// <summary>
    /// The same for one or two descriptors of any kind, in the order they were sent: the caller owns them (close-on-exec)
    /// and must wrap or close each.
    /// </summary>
    public static async ValueTask<(int Read, nint[] Descriptors)> ReceiveDescriptorsAsync(Socket through, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(through);
        while (true)
        {
            // A zero-byte receive completes when data is there without taking any of it.
            await through.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken);
            if (TryReceive(through, buffer.Span, out var read, out var descriptors))
            {
                return (read, descriptors);
            }
        }
    }

    /// <summary>Closes descriptors that were received and will not be used.</summary>
    public static void Close(IEnumerable<nint> descriptors)
    {
        ArgumentNullException.ThrowIfNull(descriptors);
        foreach (var descriptor in descriptors)
        {
            using var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(descriptor, ownsHandle: true);
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
    private static unsafe bool TryReceive(Socket through, Span<byte> buffer, out int read, out nint[] descriptors)
    {
        var handle = through.SafeHandle;
        var added = false;
        descriptors = [];
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
                    if (message.ControlLength >= ControlHeaderLength + sizeof(int) && header->Level == SolSocket && header->Type == ScmRights)
                    {
                        var count = Math.Min(((int)header->Length - ControlHeaderLength) / sizeof(int), MaxDescriptors);
                        descriptors = new nint[count];
                        for (var i = 0; i < count; i++)
                        {
                            descriptors[i] = ((int*)(control + ControlHeaderLength))[i];
                        }
                    }

                    if ((message.Flags & MsgCTrunc) != 0)
                    {
                        // More descriptors than fit were sent: the kernel closed the rest; the ones that came are refused too.
                        Close(descriptors);
                        throw new IOException($"The agent sent more than {MaxDescriptors} descriptors.");
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
