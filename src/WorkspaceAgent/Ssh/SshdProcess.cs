using System.Collections;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Workspaces.WorkspaceAgent.Terminals.Native;

namespace Workspaces.WorkspaceAgent.Ssh;

/// <summary>
/// One <c>sshd -i</c> whose standard input and output are one end of a Unix socket pair (<see cref="Connection"/> is the
/// other) and whose standard error is another pair's end (<see cref="Errors"/>). <see cref="System.Diagnostics.Process"/>
/// only makes pipes, which .NET reads and writes with blocking calls on pool threads; a socket is read and written
/// asynchronously, can be shut down, and can be handed to the web app (<c>SCM_RIGHTS</c>) so that no byte of the session
/// crosses the agent. Started with <c>posix_spawn</c> in a session of its own, every signal at its default; reaped by
/// <see cref="ChildProcessExits"/>.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed unsafe class SshdProcess : IDisposable
{
    private SshdProcess(int processId, Socket connection, Socket errors, Task<int?> exited)
    {
        ProcessId = processId;
        Connection = connection;
        Errors = errors;
        Exited = exited;
    }

    public int ProcessId { get; }

    /// <summary>The agent's end of sshd's standard input and output.</summary>
    public Socket Connection { get; }

    /// <summary>The agent's end of sshd's standard error.</summary>
    public Socket Errors { get; }

    /// <summary>Completes with sshd's exit code once it has ended and been reaped.</summary>
    public Task<int?> Exited { get; }

    public static SshdProcess Start(SshSetup setup, ChildProcessExits exits)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(exits);
        var (connection, sshdConnection) = Pair();
        Socket? errors = null;
        Socket? sshdErrors = null;
        try
        {
            (errors, sshdErrors) = Pair();

            // sshd re-executes itself, so it must be started by its absolute path.
            var processId = Spawn(setup.SshdPath, [setup.SshdPath, "-i", "-e", "-f", setup.ConfigPath], (int)sshdConnection.Handle, (int)sshdErrors.Handle);
            var exited = exits.WatchAsync(processId);
            return new SshdProcess(processId, connection, errors, exited);
        }
        catch
        {
            connection.Dispose();
            errors?.Dispose();
            throw;
        }
        finally
        {
            // sshd has its own copies now: the agent keeps only its ends, so sshd's exit is the end of these sockets.
            sshdConnection.Dispose();
            sshdErrors?.Dispose();
        }
    }

    /// <summary>Kills sshd and what it started that is still in its process tree (a session that did not end on its own).</summary>
    public void Kill()
    {
        if (Exited.IsCompleted)
        {
            return;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(ProcessId);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // It ended meanwhile.
        }
    }

    public void Dispose()
    {
        Connection.Dispose();
        Errors.Dispose();
    }

    /// <summary>A connected Unix stream socket pair, close-on-exec (the child gets its end through dup2 only).</summary>
    private static (Socket Ours, Socket Theirs) Pair()
    {
        var fds = stackalloc int[2];
        if (LibC.SocketPair(LibC.AfUnix, LibC.SockStream | LibC.SockCloExec, 0, fds) != 0)
        {
            throw new IOException($"socketpair failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        var ours = Wrap(fds[0], fds[1]);
        try
        {
            return (ours, Wrap(fds[1], -1));
        }
        catch
        {
            ours.Dispose();
            throw;
        }
    }

    private static Socket Wrap(int fd, int other)
    {
        var handle = new SafeSocketHandle(fd, ownsHandle: true);
        try
        {
            return new Socket(handle);
        }
        catch
        {
            handle.Dispose();
            if (other >= 0)
            {
                _ = LibC.Close(other);
            }

            throw;
        }
    }

    private static int Spawn(string path, IReadOnlyList<string> arguments, int connection, int errors)
    {
        var strings = new List<nint>();
        var fileActions = (byte*)NativeMemory.AllocZeroed(LibC.SpawnStructSize);
        var attributes = (byte*)NativeMemory.AllocZeroed(LibC.SpawnStructSize);
        var signals = stackalloc byte[LibC.SigSetSize];
        _ = LibC.FileActionsInit(fileActions);
        _ = LibC.SpawnAttrInit(attributes);
        try
        {
            byte* Native(string value)
            {
                var bytes = Encoding.UTF8.GetBytes(value);
                var pointer = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
                bytes.CopyTo(new Span<byte>(pointer, bytes.Length));
                pointer[bytes.Length] = 0;
                strings.Add((nint)pointer);
                return pointer;
            }

            byte** Array(IReadOnlyList<string> values)
            {
                var array = (byte**)NativeMemory.Alloc((nuint)(values.Count + 1), (nuint)sizeof(nint));
                strings.Add((nint)array);
                for (var index = 0; index < values.Count; index++)
                {
                    array[index] = Native(values[index]);
                }

                array[values.Count] = null;
                return array;
            }

            // dup2 clears close-on-exec on the copies; the originals close at exec.
            Check(LibC.FileActionsAddDup2(fileActions, connection, 0), "dup2");
            Check(LibC.FileActionsAddDup2(fileActions, connection, 1), "dup2");
            Check(LibC.FileActionsAddDup2(fileActions, errors, 2), "dup2");

            // Handlers do not survive exec, but ignored signals do (the runtime ignores SIGPIPE): reset all, block none.
            _ = LibC.SigFillSet(signals);
            Check(LibC.SpawnAttrSetSigDefault(attributes, signals), "setsigdefault");
            _ = LibC.SigEmptySet(signals);
            Check(LibC.SpawnAttrSetSigMask(attributes, signals), "setsigmask");
            Check(LibC.SpawnAttrSetFlags(attributes, LibC.PosixSpawnSetSid | LibC.PosixSpawnSetSigDef | LibC.PosixSpawnSetSigMask), "setflags");

            var environment = new List<string>();
            foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
            {
                environment.Add($"{variable.Key}={variable.Value}");
            }

            int processId;
            var error = LibC.PosixSpawn(&processId, Native(path), fileActions, attributes, Array(arguments), Array(environment));
            return error == 0 ? processId : throw new IOException($"Starting {path} failed: {Marshal.GetPInvokeErrorMessage(error)}");
        }
        finally
        {
            _ = LibC.FileActionsDestroy(fileActions);
            _ = LibC.SpawnAttrDestroy(attributes);
            NativeMemory.Free(fileActions);
            NativeMemory.Free(attributes);
            foreach (var pointer in strings)
            {
                NativeMemory.Free((void*)pointer);
            }
        }
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new IOException($"posix_spawn {what} failed: {Marshal.GetPInvokeErrorMessage(error)}");
        }
    }
}
