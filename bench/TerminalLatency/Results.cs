namespace Workspaces.TerminalLatency;

internal sealed record EchoResult(IReadOnlyDictionary<string, Samples> Sides, IReadOnlyDictionary<string, EchoCost> Costs);

/// <summary>What the measured keystrokes cost the server processes, per keystroke.</summary>
internal sealed record EchoCost(TimeSpan Cpu, double ContextSwitches);

internal sealed record ThroughputRun(long Bytes, long Pieces, TimeSpan Elapsed, (string Process, TimeSpan Time)[] Cpu)
{
    public double MegabytesPerSecond => Bytes / 1e6 / Elapsed.TotalSeconds;
}

internal sealed record ThroughputResult(IReadOnlyDictionary<string, IReadOnlyList<ThroughputRun>> Sides)
{
    public static ThroughputRun Median(IReadOnlyList<ThroughputRun> runs) => runs.OrderBy(run => run.MegabytesPerSecond).ElementAt(runs.Count / 2);
}

/// <summary>Resident memory of the server processes with <paramref name="Terminals"/> idle terminals open.</summary>
internal sealed record MemoryReading(int Terminals, (string Process, long Rss)[] Processes)
{
    public long Total => Processes.Sum(p => p.Rss);

    public override string ToString() =>
        $"{Terminals} terminals: " + string.Join(", ", Processes.Select(p => $"{p.Process} {BenchReport.MiB(p.Rss)} MiB"));
}

/// <param name="Printed">What each idle terminal printed (its prompt): the scrollback it holds.</param>
internal sealed record MemoryResult(IReadOnlyList<MemoryReading> Readings, long[] Printed)
{
    public MemoryReading Idle => Readings[0];

    public MemoryReading One => Readings[1];

    public MemoryReading Full => Readings[^1];

    /// <summary>(RSS(N) − RSS(0)) / N, over all server processes.</summary>
    public double PerTerminal => (double)(Full.Total - Idle.Total) / Full.Terminals;

    /// <summary>(RSS(N) − RSS(1)) / (N − 1): without the one-time cost of the first terminal (code, threads).</summary>
    public double PerTerminalMarginal => (double)(Full.Total - One.Total) / (Full.Terminals - 1);
}
