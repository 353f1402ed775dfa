using System.Runtime.InteropServices;

namespace Workspaces.WorkspaceAgent.Tasks;

/// <summary>Signals for whole process groups, which <see cref="System.Diagnostics.Process"/> cannot address.</summary>
internal static partial class Posix
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    private const int ErrorNoSuchProcess = 3;

    /// <summary>Sends <paramref name="signal"/> to every process in the group; false if the group no longer exists.</summary>
    public static bool SignalGroup(int processGroupId, int signal)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(processGroupId);
        return Kill(-processGroupId, signal) == 0;
    }

    /// <summary>True while any process (a zombie included) is in the group.</summary>
    public static bool GroupExists(int processGroupId)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(processGroupId);
        return Kill(-processGroupId, 0) == 0 || Marshal.GetLastPInvokeError() != ErrorNoSuchProcess;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
