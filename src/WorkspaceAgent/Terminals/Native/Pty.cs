using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Workspaces.WorkspaceAgent.Terminals.Native;

/// <summary>What to run on a PTY: <paramref name="Arguments"/> is the whole argv, argv[0] included.</summary>
internal sealed record PtyCommand(string FileName, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment, string WorkingDirectory);

/// <summary>
/// A pseudo-terminal: the master end the agent reads and writes, the slave end processes run on. Processes start with
/// <c>posix_spawn</c> (no fork from a multithreaded runtime) in a session of their own whose controlling terminal is
/// the slave: the child runs setsid, then opens the slave without O_NOCTTY as fd 0, which on Linux makes it the
/// session's controlling terminal, and dups it to 1 and 2.
/// </summary>
internal sealed unsafe class Pty : IDisposable
{
    private readonly byte[] _slavePath;

    private Pty(SafeFileHandle master, string slavePath)
    {
        Master = master;
        SlavePath = slavePath;
        _slavePath = NullTerminated(slavePath);
    }

    /// <summary>Non-blocking and close-on-exec: no child inherits it.</summary>
    public SafeFileHandle Master { get; }

    public string SlavePath { get; }

    public static Pty Open(int columns, int rows)
    {
        var fd = LibC.PosixOpenPt(LibC.ORdWr | LibC.ONoCtty | LibC.OCloExec | LibC.ONonBlock);
        if (fd < 0)
        {
            throw new IOException($"posix_openpt failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        var master = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (LibC.GrantPt(master) != 0 || LibC.UnlockPt(master) != 0)
            {
                throw new IOException($"Unlocking the PTY failed: {Marshal.GetLastPInvokeErrorMessage()}");
            }

            var name = stackalloc byte[128];
            var error = LibC.PtsNameR(master, name, 128);
            if (error != 0)
            {
                throw new IOException($"ptsname_r failed: {Marshal.GetPInvokeErrorMessage(error)}");
            }

            var pty = new Pty(master, Marshal.PtrToStringUTF8((nint)name)!);
            pty.Resize(columns, rows);
            return pty;
        }
        catch
        {
            master.Dispose();
            throw;
        }
    }

    /// <summary>Sets the window size; the kernel sends SIGWINCH to the foreground process group.</summary>
    public void Resize(int columns, int rows)
    {
        var size = new LibC.WinSize { Columns = (ushort)columns, Rows = (ushort)rows };
        if (LibC.IoctlWinSize(Master, LibC.TiocSWinSz, &size) != 0)
        {
            throw new IOException($"TIOCSWINSZ failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    /// <summary>Starts <paramref name="command"/> on the slave; returns its pid, which is also its session and group id.</summary>
    public int Spawn(PtyCommand command)
    {
        using var request = new SpawnRequest();
        fixed (byte* slave = _slavePath)
        {
            SpawnRequest.Check(LibC.FileActionsAddChdir(request.FileActions, request.Native(command.WorkingDirectory)), "chdir");
            SpawnRequest.Check(LibC.FileActionsAddOpen(request.FileActions, 0, slave, LibC.ORdWr, 0), "open");
            SpawnRequest.Check(LibC.FileActionsAddDup2(request.FileActions, 0, 1), "dup2");
            SpawnRequest.Check(LibC.FileActionsAddDup2(request.FileActions, 0, 2), "dup2");

            var processId = request.Spawn(command.FileName, command.Arguments, command.Environment.Select(pair => $"{pair.Key}={pair.Value}"));
            return processId > 0
                ? processId
                : throw new IOException($"Starting {command.FileName} in {command.WorkingDirectory} failed: {Marshal.GetPInvokeErrorMessage(-processId)}");
        }
    }

    public void Dispose() => Master.Dispose();

    private static byte[] NullTerminated(string value) => [.. Encoding.UTF8.GetBytes(value), 0];
}
