using System.Runtime.InteropServices;

namespace Workspaces.WorkspaceAgent.Terminals.Native;

/// <summary>
/// Exit codes of processes started with <c>posix_spawn</c>. The runtime's own SIGCHLD handling reaps only the children
/// it started through <see cref="System.Diagnostics.Process"/> (unless the agent runs as pid 1 or SIGCHLD was ignored
/// when it started, in which case it reaps everything and the exit code is lost: reported as null). So on every SIGCHLD
/// this asks, per watched pid, <c>waitpid(pid, WNOHANG)</c>: no thread per process, no polling.
/// </summary>
internal sealed unsafe class ChildProcessExits : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, TaskCompletionSource<int?>> _watched = [];
    private PosixSignalRegistration? _registration;

    /// <summary>Completes with the exit code (128 + signal when killed) once <paramref name="processId"/> ended.</summary>
    public Task<int?> WatchAsync(int processId)
    {
        var exited = new TaskCompletionSource<int?>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            // The agent only runs on Linux (PTYs, /proc); the analyzer cannot know.
#pragma warning disable CA1416
            _registration ??= PosixSignalRegistration.Create(PosixSignal.SIGCHLD, _ => ReapAll());
#pragma warning restore CA1416
            _watched[processId] = exited;

            // It may have ended before it was watched, its SIGCHLD already handled.
            TryReap(processId, exited);
        }

        return exited.Task;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _registration?.Dispose();
            _registration = null;
        }
    }

    private void ReapAll()
    {
        lock (_lock)
        {
            foreach (var (processId, exited) in _watched.ToList())
            {
                TryReap(processId, exited);
            }
        }
    }

    private void TryReap(int processId, TaskCompletionSource<int?> exited)
    {
        int status;
        int result;
        do
        {
            result = LibC.WaitPid(processId, &status, LibC.WNoHang);
        }
        while (result < 0 && Marshal.GetLastPInvokeError() == LibC.EIntr);

        if (result == processId)
        {
            _watched.Remove(processId);
            exited.TrySetResult(LibC.ExitCodeOf(status));
        }
        else if (result < 0)
        {
            // ECHILD: someone else reaped it (the runtime does when the agent is pid 1).
            _watched.Remove(processId);
            exited.TrySetResult(null);
        }
    }
}
