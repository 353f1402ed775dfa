using System.Diagnostics;
using System.Globalization;
using Workspaces.TestSupport.Processes;
using Workspaces.WorkspaceController.Local.Sandbox;

namespace Workspaces.WorkspaceController.Tests.Local.Sandbox;

/// <summary>
/// The sandbox's supervisor with the real tools (bubblewrap, unshare, pasta): pasta attaches to the sandbox's namespaces
/// while what runs inside starts, and the two live and die together.
/// </summary>
public sealed class SandboxSupervisorTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly bool Root = Environment.UserName == "root";
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("workspaces-supervisor-");
    private readonly List<Process> _started = [];
    private readonly List<Task<string>> _errors = [];

    public SandboxSupervisorTests()
    {
        // A temporary directory is the service's alone (0700); the workspace's user must pass through it, as through a data directory.
        Run("chmod", "711", _root.FullName);
    }

    public void Dispose()
    {
        foreach (var process in _started)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }

        _root.Delete(recursive: true);
    }

    [Fact]
    public async Task Sandbox_WaitsForTheReadyFile_ThenHasARouteOutAndItsExitCodeIsTheSupervisors()
    {
        var (process, output, network) = Start(new SandboxSettings(), "while [ ! -s /run/network/pasta.pid ]; do sleep 0.01; done; cat /proc/net/route; exit 7");

        await process.WaitForExitAsync().WaitAsync(Timeout);

        Assert.True(process.ExitCode == 7, await _errors[0]);
        // A default route (destination 00000000) on pasta's interface: the network is up when the file says so.
        Assert.Contains((await output).Split('\n'), line => line.Split('\t') is [_, "00000000", ..]);
        var pasta = PastaPid(network);
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(pasta, Timeout), $"pasta (pid {pasta}) outlived its sandbox");
    }

    [Fact]
    public async Task TwoSandboxes_EachGetsANetworkNamespaceOfItsOwn()
    {
        const string Command = "while [ ! -s /run/network/pasta.pid ]; do sleep 0.01; done; readlink /proc/self/ns/net";
        var (first, firstOutput, _) = Start(new SandboxSettings(), Command);
        var (second, secondOutput, _) = Start(new SandboxSettings(), Command);

        await Task.WhenAll(first.WaitForExitAsync(), second.WaitForExitAsync()).WaitAsync(Timeout);

        var namespaces = new[] { (await firstOutput).Trim(), (await secondOutput).Trim(), new FileInfo("/proc/self/ns/net").LinkTarget };
        Assert.All(namespaces, n => Assert.StartsWith("net:[", n, StringComparison.Ordinal));
        Assert.Equal(3, namespaces.Distinct().Count());
    }

    [Fact]
    public async Task SupervisorKilled_PastaAndTheSandboxGoToo()
    {
        var (process, _, network) = Start(new SandboxSettings(), "sleep 600");
        var pasta = await WaitForPastaAsync(network);
        var sandboxed = ProcessTree(process.Id);

        process.Kill();

        Assert.True(await ProcessProbe.WaitUntilGoneAsync(pasta, Timeout), $"pasta (pid {pasta}) outlived its killed supervisor");
        foreach (var pid in sandboxed)
        {
            Assert.True(await ProcessProbe.WaitUntilGoneAsync(pid, Timeout), $"sandboxed process {pid} outlived its killed supervisor");
        }
    }

    [Fact]
    public async Task PastaFails_TheSandboxIsEndedInsteadOfRunningWithoutANetwork()
    {
        var settings = new SandboxSettings { PastaPath = "/bin/false" };
        var (process, _, _) = Start(settings, "sleep 600");

        await process.WaitForExitAsync().WaitAsync(Timeout);

        Assert.NotEqual(0, process.ExitCode);
    }

    private (Process Process, Task<string> Output, string NetworkDirectory) Start(SandboxSettings settings, string command)
    {
        var workspace = Directory.CreateDirectory(Path.Combine(_root.FullName, $"ws{_started.Count}"));
        var sockets = Directory.CreateDirectory(Path.Combine(workspace.FullName, "run"));
        var uid = Root ? settings.FirstUid : int.Parse(Run("id", "-u"), CultureInfo.InvariantCulture);
        var gid = Root ? settings.FirstUid : int.Parse(Run("id", "-g"), CultureInfo.InvariantCulture);
        if (Root)
        {
            Run("chown", "-R", $"{uid}:{gid}", workspace.FullName);
        }

        var network = WorkspaceSandbox.PrepareNetworkDirectory(Path.Combine(_root.FullName, $"ws{_started.Count}.identity"), uid, gid, Root);
        var spec = new SandboxSpec($"ws{_started.Count}", workspace.FullName, sockets.FullName, "/usr", [], uid, gid, Root, ["/bin/sh", "-c", command], [_root.FullName], NetworkDirectory: network);
        var args = SandboxCommand.Build(spec, settings, PathKind.Of);
        var start = new ProcessStartInfo(args[0]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in args.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        _started.Add(process);
        var errors = process.StandardError.ReadToEndAsync();
        _errors.Add(errors);
        return (process, process.StandardOutput.ReadToEndAsync(), network);
    }

    private static int PastaPid(string network) =>
        int.Parse(File.ReadAllText(Path.Combine(network, SandboxCommand.NetworkReadyFileName)).Trim(), CultureInfo.InvariantCulture);

    private static async Task<int> WaitForPastaAsync(string network)
    {
        var file = Path.Combine(network, SandboxCommand.NetworkReadyFileName);
        await Workspaces.TestSupport.Waiting.Poll.UntilAsync(() => File.Exists(file) && new FileInfo(file).Length > 0, Timeout, "pasta's pid file");
        return PastaPid(network);
    }

    private static List<int> ProcessTree(int pid)
    {
        var children = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var candidate)
                && File.Exists($"{entry}/stat")
                && TryReadParent(candidate) == pid)
            {
                children.Add(candidate);
                children.AddRange(ProcessTree(candidate));
            }
        }

        return children;
    }

    private static int? TryReadParent(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output.Trim();
    }
}
