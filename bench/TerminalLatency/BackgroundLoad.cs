using System.Diagnostics;
using System.Globalization;

namespace Workspaces.TerminalLatency;

/// <summary>
/// A fixed background load while the sides are measured, as on a shared production node: stress-ng's CPU workers at
/// normal priority (Debian's stress-ng). Nothing runs when zero workers are asked for.
/// </summary>
internal sealed class BackgroundLoad : IAsyncDisposable
{
    private readonly Process? _process;

    private BackgroundLoad(Process? process) => _process = process;

    public static BackgroundLoad Start(int cpuWorkers, TextWriter progress)
    {
        if (cpuWorkers == 0)
        {
            return new BackgroundLoad(null);
        }

        var process = Process.Start(new ProcessStartInfo("stress-ng", ["--cpu", cpuWorkers.ToString(CultureInfo.InvariantCulture), "--quiet"]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("stress-ng did not start (apt-get install stress-ng).");
        progress.WriteLine($"Background load: stress-ng --cpu {cpuWorkers} (pid {process.Id})");
        return new BackgroundLoad(process);
    }

    /// <summary>The load averages now, while the background load still runs.</summary>
    public string LoadAverage() => MachineFacts.LoadAverage();

    public async ValueTask DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
