using System.Diagnostics;
using System.Globalization;

namespace Workspaces.StartLatency;

/// <summary>
/// How much of a stretch of time runnable tasks waited for a CPU (Linux PSI, <c>/proc/pressure/cpu</c>, "some"). Other
/// work on the machine inflates every wall time measured here; the report shows this figure so a busy run is recognisable.
/// </summary>
internal sealed class CpuPressure
{
    private readonly long _startStall = ReadStallMicroseconds();
    private readonly long _started = Stopwatch.GetTimestamp();

    /// <summary>Fraction of the elapsed time with at least one task waiting for a CPU; null where PSI is not available.</summary>
    public double? Fraction()
    {
        var stall = ReadStallMicroseconds();
        if (stall < 0 || _startStall < 0)
        {
            return null;
        }

        var elapsed = Stopwatch.GetElapsedTime(_started).TotalMicroseconds;
        return elapsed <= 0 ? null : Math.Clamp((stall - _startStall) / elapsed, 0, 1);
    }

    public static string Percent(double? fraction) => fraction is { } f ? f.ToString("P0", CultureInfo.InvariantCulture) : "n/a";

    private static long ReadStallMicroseconds()
    {
        try
        {
            var some = File.ReadLines("/proc/pressure/cpu").First(line => line.StartsWith("some", StringComparison.Ordinal));
            var total = some.Split(' ').First(part => part.StartsWith("total=", StringComparison.Ordinal));
            return long.Parse(total["total=".Length..], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            return -1;
        }
    }
}
