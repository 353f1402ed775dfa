using System.Globalization;

namespace Workspaces.StartLatency;

/// <summary>A process's memory as the kernel counts it (<c>/proc/&lt;pid&gt;/status</c>), in bytes.</summary>
internal sealed record ProcMemory(long Rss, long RssAnon, long RssFile, long PeakRss)
{
    public static ProcMemory Read(int processId)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines($"/proc/{processId}/status"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.EndsWith(" kB", StringComparison.Ordinal))
            {
                values[line[..colon]] = long.Parse(line[(colon + 1)..^3].Trim(), CultureInfo.InvariantCulture) * 1024;
            }
        }

        return new ProcMemory(values["VmRSS"], values.GetValueOrDefault("RssAnon"), values.GetValueOrDefault("RssFile"), values.GetValueOrDefault("VmHWM"));
    }

    public static string Megabytes(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0.0", CultureInfo.InvariantCulture);

    public override string ToString() => $"{Megabytes(Rss)} MiB (anon {Megabytes(RssAnon)}, file {Megabytes(RssFile)}, peak {Megabytes(PeakRss)})";
}
