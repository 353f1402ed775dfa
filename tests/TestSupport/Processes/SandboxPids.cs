using System.Globalization;

namespace Workspaces.TestSupport.Processes;

/// <summary>
/// A sandboxed workspace has a PID namespace of its own: a pid a task writes (<c>echo $$</c>) means another process on
/// the host. This finds the host's pid for it, from any host pid of a process in the same sandbox (its agent's).
/// </summary>
public static class SandboxPids
{
    /// <summary>The host pid of the process known as <paramref name="innerPid"/> in the PID namespace of <paramref name="hostPidInSandbox"/>; null when none.</summary>
    public static int? ToHost(int hostPidInSandbox, int innerPid)
    {
        var ns = Namespace(hostPidInSandbox);
        if (ns is null)
        {
            return null;
        }

        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Namespace(pid) == ns
                && InnermostPid(pid) == innerPid)
            {
                return pid;
            }
        }

        return null;
    }

    /// <summary>Whether the process runs in a PID namespace other than the test's.</summary>
    public static bool IsInOtherNamespace(int pid) => Namespace(pid) is { } ns && ns != Namespace(Environment.ProcessId);

    private static string? Namespace(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/pid").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static int? InnermostPid(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("NSpid:", StringComparison.Ordinal));
            var last = line?.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
            return int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var inner) ? inner : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
