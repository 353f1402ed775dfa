using System.Globalization;
using System.Text;

namespace Workspaces.StartLatency;

/// <summary>Everything one run of the harness measured, and its Markdown rendering.</summary>
internal sealed record BenchReport(
    BenchOptions Options,
    MachineInfo Machine,
    TimeSpan WebStartup,
    string FirstStartMs,
    IReadOnlyList<RepositoryResult> Repositories,
    ProcMemory WebAtStart,
    ProcMemory WebIdle,
    ProcMemory WebWithIdleAgents,
    IReadOnlyList<(string Repository, ProcMemory Memory)> IdleAgents,
    TimeSpan PollInterval,
    int WebRestarts)
{
    public static readonly long IdleAgentTarget = 60L * 1024 * 1024;

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        md.AppendLine(culture, $"Machine: {Machine.Cores} cores ({Machine.Cpu}), {Machine.Memory} memory, {Machine.Os}, {Machine.Runtime}, {Machine.Git}.");
        md.AppendLine(culture, $"{Options.Runs} runs per repository, starts and `git clone`s interleaved; GET polled every {PollInterval.TotalMilliseconds:0} ms. Times in ms: median (min–max).");
        if (WebRestarts > 0)
        {
            md.AppendLine(culture, $"The web app was killed from outside {WebRestarts} time(s) and started again on the same data; the runs it interrupted were repeated.");
        }

        if (Options.WebArguments.Count > 0 || Options.Environment.Count > 0)
        {
            md.AppendLine(culture, $"Variant: web app arguments `{string.Join(' ', Options.WebArguments)}`, environment `{string.Join(' ', Options.Environment.Select(e => $"{e.Key}={e.Value}"))}`.");
        }

        md.AppendLine("CPU pressure: share of the runs' time in which some task waited for a CPU (`/proc/pressure/cpu`); well above a few percent means other work on the machine inflated the times.");
        md.AppendLine();
        md.AppendLine("| repository | POST → Ready | `git clone` | ratio ours / git (median) | clone phase alone | clone phase / git | target | met | CPU pressure |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var r in Repositories)
        {
            var ratio = r.Wall.Median / r.Git.Median;
            var cloneRatio = r.Phase(s => s.Cloning).Median / r.Git.Median;
            var met = r.Wall.Median < r.Target ? (r.Wall.Max < r.Target ? "yes (every run)" : "median yes, max no") : $"**no** (+{Stats.Ms(r.Wall.Median - r.Target)} ms)";
            md.AppendLine(culture, $"| {r.Name}: {r.Description} | {r.Wall.Cell} | {r.Git.Cell} | {ratio:0.00}× | {r.Phase(s => s.Cloning).Cell} | {cloneRatio:0.00}× | < {r.Target.TotalSeconds:0} s | {met} | {CpuPressure.Percent(r.CpuPressure)} |");
        }

        md.AppendLine();
        md.AppendLine("Where the time goes (server-recorded phases of `lastStart`, median ms):");
        md.AppendLine();
        md.AppendLine("| repository | queued (request → launch) | agent start (launch → clone starts) | clone | tasks + report (clone done → Ready recorded) | API + polling (client-side rest) | total |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var r in Repositories)
        {
            md.AppendLine(culture, $"| {r.Name} | {Stats.Ms(r.Phase(s => s.Queued).Median)} | {Stats.Ms(r.Phase(s => s.AgentStart).Median)} | {Stats.Ms(r.Phase(s => s.Cloning).Median)} | {Stats.Ms(r.Phase(s => s.TasksAndReport).Median)} | {Stats.Ms(r.Phase(s => s.ApiAndPolling).Median)} | {Stats.Ms(r.Wall.Median)} |");
        }

        md.AppendLine();
        md.AppendLine("CPU time (user + system, median ms): less sensitive to other work than wall time, though contention inflates it too:");
        md.AppendLine();
        md.AppendLine("| repository | agent + clone worker, up to Ready | `git clone` (with remote-http, index-pack) | ratio | web app during the start (incl. answering the polls) |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var r in Repositories)
        {
            var agentCpu = r.Phase(s => s.AgentCpu).Median;
            md.AppendLine(culture, $"| {r.Name} | {Stats.Ms(agentCpu)} | {Stats.Ms(r.GitCpu.Median)} | {agentCpu / r.GitCpu.Median:0.00}× | {Stats.Ms(r.Phase(s => s.WebCpu).Median)} |");
        }

        md.AppendLine();
        md.AppendLine(culture, $"Web app: answered `/alive` {Stats.Ms(WebStartup)} ms after `dotnet Workspaces.Web.dll` started; first workspace start after that (small repository, cold): {FirstStartMs} ms.");
        md.AppendLine();
        md.AppendLine("| process | VmRSS (MiB) | RssAnon | RssFile | VmHWM (peak) | target | met |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        Row(md, "web app, after sign-in, no workspace yet", WebAtStart, null);
        Row(md, $"web app, idle {Options.IdleSettle.TotalSeconds:0} s after the runs", WebIdle, null);
        Row(md, "web app, with the idle agents below running", WebWithIdleAgents, null);
        foreach (var (repository, memory) in IdleAgents)
        {
            Row(md, $"agent, Ready and idle {Options.IdleSettle.TotalSeconds:0} s, {repository} repository", memory, IdleAgentTarget);
        }

        return md.ToString();
    }

    private static void Row(StringBuilder md, string name, ProcMemory memory, long? target)
    {
        var targetCell = target is { } t ? $"< {ProcMemory.Megabytes(t)}" : "";
        var met = target is { } limit ? (memory.Rss < limit ? "yes" : $"**no** (+{ProcMemory.Megabytes(memory.Rss - limit)} MiB)") : "";
        md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {ProcMemory.Megabytes(memory.Rss)} | {ProcMemory.Megabytes(memory.RssAnon)} | {ProcMemory.Megabytes(memory.RssFile)} | {ProcMemory.Megabytes(memory.PeakRss)} | {targetCell} | {met} |");
    }
}
