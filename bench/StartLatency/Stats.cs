using System.Globalization;

namespace Workspaces.StartLatency;

/// <summary>Median, minimum and maximum of a set of durations.</summary>
internal sealed record Stats(TimeSpan Median, TimeSpan Min, TimeSpan Max, int Count)
{
    public static Stats Of(IEnumerable<TimeSpan> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return new Stats(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, 0);
        }

        var middle = sorted.Count / 2;
        var median = sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Stats(median, sorted[0], sorted[^1], sorted.Count);
    }

    public static string Ms(TimeSpan value) => value.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture);

    public string Cell => $"{Ms(Median)} ({Ms(Min)}–{Ms(Max)})";
}
