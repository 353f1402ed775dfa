using System.Globalization;

namespace Workspaces.Web.Components.Shared;

public static class Durations
{
    public static string Format(TimeSpan t) =>
        t < TimeSpan.Zero ? "0 ms"
        : t.TotalMilliseconds < 1000 ? $"{t.TotalMilliseconds:0} ms"
        : t.TotalSeconds < 60 ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.0} s")
        : $"{(int)t.TotalMinutes} min {t.Seconds} s";

    public static string Ago(DateTimeOffset at, DateTimeOffset now)
    {
        var t = now - at;
        return t.TotalSeconds < 60 ? "just now"
            : t.TotalMinutes < 60 ? $"{(int)t.TotalMinutes} min ago"
            : t.TotalHours < 24 ? $"{(int)t.TotalHours} h ago"
            : $"{(int)t.TotalDays} d ago";
    }

    /// <summary>"15%": the invariant culture (InvariantGlobalization) would write "15 %".</summary>
    public static string Percent(double fraction) => string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(fraction * 100):0}%");

    public static string Bytes(long bytes) =>
        bytes < 1024 ? $"{bytes} B"
        : bytes < 1024 * 1024 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MB");
}
