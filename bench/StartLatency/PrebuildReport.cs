using System.Globalization;
using System.Text;

namespace Workspaces.StartLatency;

/// <summary>The prebuild comparison's figures and their Markdown rendering.</summary>
internal sealed record PrebuildReport(
    BenchOptions Options,
    MachineInfo Machine,
    PrebuildRun Prebuild,
    IReadOnlyList<StartRun> WithoutPrebuild,
    IReadOnlyList<StartRun> FromPrebuild,
    IReadOnlyList<StartRun> FromPrebuildUnpacked,
    IReadOnlyList<GitClone> GitClones,
    double? CpuPressure)
{
    public string ToMarkdown()
    {
        var culture = CultureInfo.InvariantCulture;
        var without = Stats.Of(WithoutPrebuild.Select(s => s.Wall));
        var from = Stats.Of(FromPrebuild.Select(s => s.Wall));
        var git = Stats.Of(GitClones.Select(c => c.Wall));
        var overGit = from.Median / git.Median;
        var speedUp = without.Median / from.Median;
        var md = new StringBuilder();
        md.AppendLine(culture, $"Machine: {Machine.Cores} cores ({Machine.Cpu}), {Machine.Memory} memory, {Machine.Os}, {Machine.Runtime}, {Machine.Git}.");
        md.AppendLine(culture, $"Repository: {Harness.PrebuildRepositoryFiles:N0} files × {Harness.PrebuildRepositoryFileBytes / 1024} KiB over smart HTTP; its init writes {Harness.InitPackages * Harness.InitFilesPerPackage:N0} files into node_modules and hashes {Options.InitMegabytes:N0} MB. {Options.Runs} runs of each, taking turns. Times in ms: median (min–max). CPU pressure {CpuPressureText}.");
        md.AppendLine(culture, $"The prebuild: {Prebuild.Wall.TotalSeconds:0.0} s from \"Run prebuild now\" to succeeded ({Prebuild.DurationSeconds:0.0} s recorded), snapshot {Prebuild.SizeBytes / 1e6:0.0} MB, storage `{Prebuild.Storage}`.");
        md.AppendLine();
        md.AppendLine("| | POST → Ready | clone phase | tasks + report |");
        md.AppendLine("|---|---|---|---|");
        md.AppendLine(culture, $"| without a prebuild | {without.Cell} | {Stats.Of(WithoutPrebuild.Select(s => s.Cloning)).Cell} | {Stats.Of(WithoutPrebuild.Select(s => s.TasksAndReport)).Cell} |");
        md.AppendLine(culture, $"| from the prebuild: its warm copy (the default) | {from.Cell} | {Stats.Of(FromPrebuild.Select(s => s.Cloning)).Cell} | {Stats.Of(FromPrebuild.Select(s => s.TasksAndReport)).Cell} |");
        md.AppendLine(culture, $"| from the prebuild: no warm copy ready, the snapshot unpacked | {Stats.Of(FromPrebuildUnpacked.Select(s => s.Wall)).Cell} | {Stats.Of(FromPrebuildUnpacked.Select(s => s.Cloning)).Cell} | {Stats.Of(FromPrebuildUnpacked.Select(s => s.TasksAndReport)).Cell} |");
        md.AppendLine(culture, $"| plain `git clone` | {git.Cell} | | |");
        md.AppendLine();
        md.AppendLine("| target | figure | met |");
        md.AppendLine("|---|---|---|");
        md.AppendLine(culture, $"| from a prebuild, Ready within 2× a plain `git clone` | {overGit:0.00}× | {(overGit <= 2 ? "yes" : "**no**")} |");
        md.AppendLine(culture, $"| at least 5× faster than without | {speedUp:0.0}× | {(speedUp >= 5 ? "yes" : "**no**")} |");
        return md.ToString();
    }

    private string CpuPressureText => CpuPressure is { } p ? $"{p * 100:0}%" : "not available";
}
