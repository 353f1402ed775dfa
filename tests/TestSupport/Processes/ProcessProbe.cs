using Workspaces.TestSupport.Waiting;

namespace Workspaces.TestSupport.Processes;

/// <summary>Looks at processes through <c>/proc</c>, including ones the test did not start (a task's grandchildren).</summary>
public static class ProcessProbe
{
    /// <summary>True while the process exists and is not a zombie (an exited process nobody reaped yet counts as gone).</summary>
    public static bool IsAlive(int processId)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{processId}/stat");
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }

        // Format: "pid (comm) state ..."; comm may contain spaces and parentheses, so look after the last ')'.
        var afterName = stat.LastIndexOf(')');
        var state = afterName >= 0 && afterName + 2 < stat.Length ? stat[afterName + 2] : 'X';
        return state is not ('Z' or 'X' or 'x');
    }

    /// <summary>Waits until <paramref name="processId"/> is gone; false if it is still alive after <paramref name="timeout"/>.</summary>
    public static async Task<bool> WaitUntilGoneAsync(int processId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            await Poll.UntilAsync(() => !IsAlive(processId), timeout, $"process {processId} to exit", cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Resident memory (VmRSS) of a process, in bytes.</summary>
    public static long ResidentBytes(int processId)
    {
        foreach (var line in File.ReadLines($"/proc/{processId}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kilobytes = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                return kilobytes * 1024;
            }
        }

        throw new InvalidOperationException($"No VmRSS for process {processId}.");
    }
}
