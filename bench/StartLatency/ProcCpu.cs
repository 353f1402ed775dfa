using System.Globalization;

namespace Workspaces.StartLatency;

/// <summary>
/// CPU time from <c>/proc/&lt;pid&gt;/stat</c>: the process's own, and that of its children it has waited for (the
/// clone worker of an agent; remote-http and index-pack of a <c>git clone</c>). It does not count time spent waiting for a
/// CPU, so it varies less than wall time when other work competes for the CPUs.
/// </summary>
internal readonly record struct ProcCpu(TimeSpan Self, TimeSpan WaitedChildren)
{
    /// <summary>USER_HZ, the unit of these fields, is 100 on every Linux architecture .NET runs on.</summary>
    private const double TicksPerSecond = 100;

    public TimeSpan Total => Self + WaitedChildren;

    public static ProcCpu? TryRead(int processId)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{processId}/stat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Parses a <c>stat</c> line: fields 14–17 are utime, stime, cutime and cstime.</summary>
    public static ProcCpu Parse(string stat)
    {
        // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        double Field(int number) => double.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return new ProcCpu(
            TimeSpan.FromSeconds((Field(14) + Field(15)) / TicksPerSecond),
            TimeSpan.FromSeconds((Field(16) + Field(17)) / TicksPerSecond));
    }
}
