using System.Globalization;

namespace Workspaces.TerminalLatency;

/// <summary>Latency samples in milliseconds, with nearest-rank percentiles.</summary>
internal sealed class Samples(IEnumerable<double> milliseconds)
{
    private readonly double[] _sorted = [.. milliseconds.Order()];

    public int Count => _sorted.Length;

    public double Mean => _sorted.Length == 0 ? 0 : _sorted.Average();

    public double Max => _sorted.Length == 0 ? 0 : _sorted[^1];

    public double Percentile(double p) =>
        _sorted.Length == 0 ? 0 : _sorted[Math.Clamp((int)Math.Ceiling(p / 100 * _sorted.Length) - 1, 0, _sorted.Length - 1)];

    public static string Ms(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
}
