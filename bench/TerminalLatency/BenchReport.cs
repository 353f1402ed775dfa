using System.Globalization;
using System.Text;

namespace Workspaces.TerminalLatency;

internal sealed record BenchReport(
    BenchOptions Options,
    MachineFacts Machine,
    EchoResult Echo,
    ThroughputResult Throughput,
    MemoryResult OursMemory,
    MemoryResult PeerMemory)
{
    private const double MaxPerTerminalBytes = 2 * 1024 * 1024;

    /// <summary>The agent's scrollback ring allocates 16 KiB segments as output arrives (ScrollbackRing.SegmentSize).</summary>
    private const int ScrollbackSegment = 16 * 1024;

    public static string MiB(double bytes) => (bytes / (1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture);

    public static string KiB(double bytes) => (bytes / 1024).ToString("0", CultureInfo.InvariantCulture);

    public string ToMarkdown()
    {
        var s = new StringBuilder();
        var ours = Echo.Sides[Harness.Ours];
        var peer = Echo.Sides[Harness.Peer];
        var batching = Echo.Sides[Harness.BatchingPeer];
        var oursRate = ThroughputResult.Median(Throughput.Sides[Harness.Ours]);
        var peerRate = ThroughputResult.Median(Throughput.Sides[Harness.Peer]);
        var batchingRate = ThroughputResult.Median(Throughput.Sides[Harness.BatchingPeer]);
        var perTerminal = OursMemory.PerTerminal;
        var scrollback = OursMemory.Printed.Average(printed => Math.Ceiling(printed / (double)ScrollbackSegment) * ScrollbackSegment);
        var beyondScrollback = perTerminal - scrollback;

        s.AppendLine(Invariant($"Keystroke echo: {ours.Count} keystrokes per side after {Options.Warmup} warm-up, typed in {Options.Blocks} blocks taking turns. Throughput: {Options.OutputMegabytes} MB of `x` per run, {Options.Rounds} runs per side taking turns, median run shown. Memory: {OursMemory.Full.Terminals} idle terminals, each attached. Client: {(Options.Client == BenchOptions.NodeClient ? "the browser's @microsoft/signalr (MessagePack) under Node for ours, ws for the peers" : "the .NET SignalR client for ours, ClientWebSocket for the peers")}. Background load: {(Options.BackgroundLoad == 0 ? "none" : Invariant($"stress-ng --cpu {Options.BackgroundLoad}"))}. Load average (1/5/15 min) before {Machine.LoadBefore}, at the end of the timed runs {Machine.LoadDuring}, after {Machine.LoadAfter}."));
        s.AppendLine();
        s.AppendLine("| measure | ours (client → web app → agent → PTY) | peer (node-pty + ws) | ours / peer | peer with VS Code's 5 ms batching | ours / that | target | met |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|---|---|");
        foreach (var (name, p, target, met) in new (string, double, string, bool?)[]
        {
            ("echo p50", 50, "< 1 ms, ≤ 1.5× peer", ours.Percentile(50) < 1 && ours.Percentile(50) <= 1.5 * peer.Percentile(50)),
            ("echo p90", 90, "", null),
            ("echo p99", 99, "< 5 ms", ours.Percentile(99) < 5),
        })
        {
            Row(s, name, Ms(ours.Percentile(p)), Ms(peer.Percentile(p)), ours.Percentile(p) / peer.Percentile(p), Ms(batching.Percentile(p)), ours.Percentile(p) / batching.Percentile(p), target, met);
        }

        var oursCost = Echo.Costs[Harness.Ours];
        var peerCost = Echo.Costs[Harness.Peer];
        var batchingCost = Echo.Costs[Harness.BatchingPeer];
        Row(s, "server CPU per keystroke", Us(oursCost.Cpu), Us(peerCost.Cpu), oursCost.Cpu / peerCost.Cpu, Us(batchingCost.Cpu), oursCost.Cpu / batchingCost.Cpu, "", null);
        Row(s, "server context switches per keystroke", Invariant($"{oursCost.ContextSwitches:0.0}"), Invariant($"{peerCost.ContextSwitches:0.0}"), oursCost.ContextSwitches / peerCost.ContextSwitches, Invariant($"{batchingCost.ContextSwitches:0.0}"), oursCost.ContextSwitches / batchingCost.ContextSwitches, "", null);
        Row(s, "echo max", Ms(ours.Max), Ms(peer.Max), ours.Max / peer.Max, Ms(batching.Max), ours.Max / batching.Max, "", null);
        Row(s, "output throughput", Rate(oursRate), Rate(peerRate), oursRate.MegabytesPerSecond / peerRate.MegabytesPerSecond, Rate(batchingRate), oursRate.MegabytesPerSecond / batchingRate.MegabytesPerSecond, "≥ peer", oursRate.MegabytesPerSecond >= peerRate.MegabytesPerSecond);
        Row(s, "server CPU, median run", Cpu(oursRate), Cpu(peerRate), ServerCpu(oursRate) / ServerCpu(peerRate), Cpu(batchingRate), ServerCpu(oursRate) / ServerCpu(batchingRate), "", null);
        Row(s, "server RSS, 0 terminals", Rss(OursMemory.Idle), Rss(PeerMemory.Idle), (double)OursMemory.Idle.Total / PeerMemory.Idle.Total, "", null, "", null);
        Row(s, Invariant($"server RSS, {OursMemory.Full.Terminals} idle terminals"), Rss(OursMemory.Full), Rss(PeerMemory.Full), (double)OursMemory.Full.Total / PeerMemory.Full.Total, "", null, "", null);
        Row(s, "per terminal: (RSS(N) − RSS(0)) / N", $"{KiB(perTerminal)} KiB", $"{KiB(PeerMemory.PerTerminal)} KiB", perTerminal / PeerMemory.PerTerminal, "", null, "", null);
        Row(s, "per terminal after the first: (RSS(N) − RSS(1)) / (N − 1)", $"{KiB(OursMemory.PerTerminalMarginal)} KiB", $"{KiB(PeerMemory.PerTerminalMarginal)} KiB", OursMemory.PerTerminalMarginal / PeerMemory.PerTerminalMarginal, "", null, "", null);
        Row(s, "per terminal beyond its scrollback", Invariant($"{KiB(beyondScrollback)} KiB (+ {KiB(scrollback)} KiB scrollback)"), "", null, "", null, "< 2 MiB", beyondScrollback < MaxPerTerminalBytes);
        s.AppendLine();

        s.AppendLine("Echo percentiles (ms):");
        s.AppendLine();
        s.AppendLine("| side | min | p50 | p90 | p99 | p99.9 | max | mean |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, samples) in Echo.Sides)
        {
            s.AppendLine($"| {name} | {Samples.Ms(samples.Percentile(0))} | {Samples.Ms(samples.Percentile(50))} | {Samples.Ms(samples.Percentile(90))} | {Samples.Ms(samples.Percentile(99))} | {Samples.Ms(samples.Percentile(99.9))} | {Samples.Ms(samples.Max)} | {Samples.Ms(samples.Mean)} |");
        }

        s.AppendLine();
        s.AppendLine("Throughput runs (CPU: user + system seconds of each process during the run; the shell, `head` and `tr` not counted):");
        s.AppendLine();
        s.AppendLine("| side | run | MB | seconds | MB/s | bytes per frame | CPU seconds |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|---|");
        foreach (var (name, runs) in Throughput.Sides)
        {
            for (var i = 0; i < runs.Count; i++)
            {
                var run = runs[i];
                s.AppendLine(Invariant($"| {name} | {i + 1} | {run.Bytes / 1e6:0.0} | {run.Elapsed.TotalSeconds:0.00} | {run.MegabytesPerSecond:0} | {run.Bytes / Math.Max(1, run.Pieces)} | {string.Join(", ", run.Cpu.Select(c => Invariant($"{c.Process} {c.Time.TotalSeconds:0.00}")))} |"));
            }
        }

        s.AppendLine();
        s.AppendLine("Memory readings (VmRSS, 3 s after the last terminal went quiet):");
        s.AppendLine();
        s.AppendLine("| side | terminals | processes |");
        s.AppendLine("|---|---:|---|");
        foreach (var (name, memory) in new[] { (Harness.Ours, OursMemory), (Harness.Peer, PeerMemory) })
        {
            foreach (var reading in memory.Readings)
            {
                s.AppendLine($"| {name} | {reading.Terminals} | {string.Join(", ", reading.Processes.Select(p => $"{p.Process} {MiB(p.Rss)} MiB"))} |");
            }
        }

        s.AppendLine();
        s.AppendLine(Invariant($"Each idle terminal printed {OursMemory.Printed.Average():0} bytes on average (ours; peer {PeerMemory.Printed.Average():0}): its prompt. The agent's scrollback (default 1 MiB) is allocated in {ScrollbackSegment / 1024} KiB segments as output arrives, so an idle terminal holds one segment."));
        s.AppendLine();
        s.AppendLine("Machine:");
        s.AppendLine();
        s.AppendLine(Invariant($"- {Machine.Cores} cores (nproc), {Machine.Cpu}"));
        s.AppendLine(Machine.Sandboxed ? "- the workspace ran sandboxed (bubblewrap + pasta, the default)" : "- the workspace ran without a sandbox (Workspaces:Isolation=None)");
        s.AppendLine($"- {Machine.Os}; {Machine.Runtime}; Node.js {Machine.Node}; {Machine.Shell}");
        s.AppendLine("- `free -h`:");
        s.AppendLine();
        s.AppendLine("```");
        s.AppendLine(Machine.Free);
        s.AppendLine("```");
        return s.ToString();
    }

    private static string Ms(double value) => $"{Samples.Ms(value)} ms";

    private static string Us(TimeSpan value) => Invariant($"{value.TotalMicroseconds:0} µs");

    private static string Rate(ThroughputRun run) => Invariant($"{run.MegabytesPerSecond:0} MB/s");

    private static void Row(StringBuilder s, string measure, string ours, string peer, double? ratio, string batching, double? batchingRatio, string target, bool? met)
    {
        var metCell = met switch { true => "yes", false => "**no**", null => "" };
        s.AppendLine($"| {measure} | {ours} | {peer} | {Ratio(ratio)} | {batching} | {Ratio(batchingRatio)} | {target} | {metCell} |");
    }

    private static string Ratio(double? ratio) => ratio is { } r && double.IsFinite(r) ? r.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "";

    private static string Rss(MemoryReading reading) =>
        string.Join(" + ", reading.Processes.Select(p => $"{p.Process} {MiB(p.Rss)}")) + (reading.Processes.Length > 1 ? $" = {MiB(reading.Total)}" : "") + " MiB";

    private static double ServerCpu(ThroughputRun run) => run.Cpu.Where(c => c.Process != Harness.ClientCpu).Sum(c => c.Time.TotalSeconds);

    private static string Cpu(ThroughputRun run) =>
        string.Join(" + ", run.Cpu.Where(c => c.Process != Harness.ClientCpu).Select(c => Invariant($"{c.Process} {c.Time.TotalSeconds:0.00}"))) + " s";

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
