using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Workspaces.TerminalLatency;

/// <summary>What the figures were measured on.</summary>
internal sealed record MachineFacts(int Cores, string Cpu, string Free, string Os, string Runtime, string Node, string Shell, string LoadBefore)
{
    public static MachineFacts Read() => new(
        Environment.ProcessorCount,
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown",
        Run("free", "-h"),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        Run("node", "--version"),
        Run("bash", "--version").Split('\n')[0],
        LoadAverage());

    /// <summary>Whether the workspace's agent ran sandboxed (bubblewrap + pasta), the product's default where the machine allows.</summary>
    public bool Sandboxed { get; init; }

    /// <summary>Set at the end of the run: how busy the machine was meanwhile (1, 5 and 15 minute load averages).</summary>
    public string LoadAfter { get; init; } = "";

    /// <summary>The load averages at the end of the echo and throughput runs (with any background load still running).</summary>
    public string LoadDuring { get; init; } = "";

    /// <summary>The 1, 5 and 15 minute load averages: other work on the machine blurs latency figures.</summary>
    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static string Run(string fileName, string argument)
    {
        using var process = Process.Start(new ProcessStartInfo(fileName, argument) { RedirectStandardOutput = true, UseShellExecute = false })!;
        var output = process.StandardOutput.ReadToEnd().TrimEnd();
        process.WaitForExit();
        return output;
    }
}
