using System.Globalization;
using Workspaces.Data.Prebuilds;

namespace Workspaces.Web.Prebuilds;

/// <summary>
/// The schedule part of a project's prebuild settings: every N hours from a time of day (UTC; without one, from when it
/// was saved), so "every day at 02:00" or "every 6 hours from 02:00" (02:00, 08:00, 14:00, 20:00). Its range, its slots,
/// and when a change restarts its clock.
/// </summary>
public static class PrebuildSchedules
{
    /// <summary>A week: the longest interval between scheduled prebuilds.</summary>
    public const int MaxHours = 168;

    public const string RangeMessage = "Hours between scheduled prebuilds: 0 (no schedule) or 1 to 168 (a week).";

    public const string TimeMessage = "A time of day in UTC as HH:mm, for example 02:30.";

    /// <summary>The choices the project page offers (any value in range is accepted through the API).</summary>
    public static readonly IReadOnlyList<(int Hours, string Label)> Choices =
    [
        (0, "Off"), (1, "Every hour"), (3, "Every 3 hours"), (6, "Every 6 hours"), (12, "Every 12 hours"), (24, "Every day"), (168, "Every week"),
    ];

    /// <summary>
    /// Sets the interval (null keeps it) and the time of day it counts from (UTC; null keeps it, or counts from the save).
    /// Turning the schedule on, changing its interval or time, or turning prebuilds back on starts its clock again: the
    /// first scheduled prebuild comes at the next slot (one interval after the save when no time is given), never at once.
    /// </summary>
    public static void Apply(ProjectPrebuildSettings settings, bool enabled, int? hours, TimeOnly? at, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var newHours = hours ?? settings.ScheduleHours;
        var restart = newHours != settings.ScheduleHours || (enabled && !settings.Enabled) || settings.ScheduleSince is null;
        var moved = at is { } time && (settings.ScheduleSince is not { } since || TimeOfDay(since) != time.ToString("HH:mm", CultureInfo.InvariantCulture));
        settings.ScheduleHours = newHours;
        if (at is { } from && (restart || moved))
        {
            var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero) + from.ToTimeSpan();
            settings.ScheduleSince = today <= now ? today : today.AddDays(-1);
            settings.LastScheduledAt = Slot(settings, now);
        }
        else if (restart)
        {
            settings.ScheduleSince = now;
            settings.LastScheduledAt = null;
        }
    }

    /// <summary>Reads a time of day as the API and the page give it (<c>HH:mm</c>, UTC).</summary>
    public static bool TryParseTime(string? text, out TimeOnly time) =>
        TimeOnly.TryParseExact(text?.Trim(), ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out time);

    /// <summary>The time of day the schedule counts from, <c>HH:mm</c> UTC.</summary>
    public static string TimeOfDay(DateTimeOffset since) => since.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture);

    /// <summary>When a project's schedule comes due next; null when it has none (or prebuilds are off).</summary>
    public static DateTimeOffset? NextRun(ProjectPrebuildSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings is { Enabled: true, ScheduleHours: > 0 } && (settings.LastScheduledAt ?? settings.ScheduleSince) is { } from
            ? from + TimeSpan.FromHours(settings.ScheduleHours)
            : null;
    }

    /// <summary>
    /// The latest slot (the save time plus a whole number of intervals) at or before <paramref name="now"/>: what a due
    /// run records, so runs stay at the same time of day however late the check comes, and a server that was down for
    /// several intervals runs once, not once per missed slot.
    /// </summary>
    public static DateTimeOffset Slot(ProjectPrebuildSettings settings, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var since = settings.ScheduleSince ?? now;
        var interval = TimeSpan.FromHours(Math.Max(1, settings.ScheduleHours));
        return now <= since ? since : since + (interval * Math.Floor((now - since) / interval));
    }

    public static string Label(int hours) =>
        Choices.FirstOrDefault(c => c.Hours == hours).Label ?? $"Every {hours} hours";
}
