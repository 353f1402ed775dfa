using System.Runtime.InteropServices;

namespace Workspaces.TestSupport.Processes;

/// <summary>POSIX signals for tests that check how a process stops (SIGTERM from a runtime, Ctrl+C).</summary>
public static partial class ProcessSignals
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>False when no such process exists (any more).</summary>
    public static bool Send(int processId, int signal) => Kill(processId, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
