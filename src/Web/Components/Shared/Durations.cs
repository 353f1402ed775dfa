using System.Globalization;

namespace Workspaces.Web.Components.Shared;

public static class Durations
{
    public static string Format(TimeSpan t) =>
        t < TimeSpan.Zero ? "0 ms"
        : t.TotalMilliseconds < 1000 ? $"{t.TotalMilliseconds:0} ms"
        : t.TotalSeconds < 60 ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.0} s")
        : $"{(int)t.TotalMinutes} min {t.Seconds} s";

    /// <summary>"just now", "3 minutes ago", "in 7 days": as people say it (the exact time goes into a tooltip).</summary>
    public static string Ago(DateTimeOffset at, DateTimeOffset now)
    {
        var t = now - at;
        var future = t < TimeSpan.Zero;
        var span = future ? -t : t;
        if (span.TotalSeconds < 60)
        {
            return future ? "in a moment" : "just now";
        }

        var amount = span.TotalMinutes < 60 ? Count((int)span.TotalMinutes, "minute")
            : span.TotalHours < 24 ? Count((int)span.TotalHours, "hour")
            : span.TotalDays < 60 ? Count((int)span.TotalDays, "day")
            : span.TotalDays < 730 ? Count((int)(span.TotalDays / 30), "month")
            : Count((int)(span.TotalDays / 365), "year");
        return future ? $"in {amount}" : $"{amount} ago";
    }

    /// <summary>The exact time, for the tooltip of a relative one.</summary>
    public static string Exact(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static string Count(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";

    /// <summary>"15%": the invariant culture (InvariantGlobalization) would write "15 %".</summary>
    public static string Percent(double fraction) => string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(fraction * 100):0}%");

    public static string Bytes(long bytes) =>
        bytes < 1024 ? $"{bytes} B"
        : bytes < 1024 * 1024 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MB");
}
