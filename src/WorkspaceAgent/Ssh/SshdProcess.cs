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
        using var request = new SpawnRequest();

        // dup2 clears close-on-exec on the copies; the originals close at exec.
        SpawnRequest.Check(LibC.FileActionsAddDup2(request.FileActions, connection, 0), "dup2");
        SpawnRequest.Check(LibC.FileActionsAddDup2(request.FileActions, connection, 1), "dup2");
        SpawnRequest.Check(LibC.FileActionsAddDup2(request.FileActions, errors, 2), "dup2");

        var environment = new List<string>();
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            environment.Add($"{variable.Key}={variable.Value}");
        }

        var processId = request.Spawn(path, arguments, environment);
        return processId > 0 ? processId : throw new IOException($"Starting {path} failed: {Marshal.GetPInvokeErrorMessage(-processId)}");
    }
}
