using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Terminals;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Processes;

namespace Workspaces.TerminalLatency;

/// <summary>
/// Starts the real web app (which starts a workspace's agent) and the node-pty + ws peer, drives one terminal on each
/// with the same client, interleaving the two, then counts idle terminals' memory; leaves no process behind.
/// </summary>
internal sealed class Harness(BenchOptions options, TextWriter progress)
{
    /// <summary>Wide enough that the typed characters never wrap (a wrap makes the shell print more than the echo).</summary>
    private const int Columns = 200;
    private const int Rows = 50;
    public const int CharactersPerLine = 100;
    public const byte KillLine = 0x15; // Ctrl-U: readline erases the line typed so far.

    public const string Ours = "ours";
    public const string Peer = "peer";
    public const string BatchingPeer = "peer, 5 ms batching";

    /// <summary>The name the client's own CPU time goes by in a throughput run: not the servers' cost.</summary>
    public const string ClientCpu = "client";

    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan StallAfter = TimeSpan.FromSeconds(15);

    private readonly List<string> _workspaceIds = [];
    private readonly List<IAsyncDisposable> _resources = [];
    private string _dataDirectory = "";

    public async Task<BenchReport> RunAsync(CancellationToken cancellationToken)
    {
        var root = TempDirectory.Create("ws-termbench");
        _dataDirectory = Path.Combine(root.Path, "data");
        ServerProcess? web = null;
        WorkspacesApi? api = null;
        var loadDuring = "";
        var succeeded = false;
        try
        {
            var machine = MachineFacts.Read();
            await EnsurePeerInstalledAsync(cancellationToken);
            var repository = await new GitRepositoryBuilder().WithFile("README.md", "# Terminal benchmark\n").BuildAsync(root.Combine("repo.git"), cancellationToken);

            web = await ServerProcess.StartAsync(
                "dotnet",
                [options.WebAppPath, "--urls", "http://127.0.0.1:{port}", $"--Workspaces:DataDirectory={_dataDirectory}"],
                Path.GetDirectoryName(options.WebAppPath)!,
                root.Combine("web.log"),
                "/alive",
                options.ServerEnvironment,
                cancellationToken);
            _resources.Add(web);
            api = new WorkspacesApi(web.BaseUrl);
            await api.SignInAsync("bench@example.com", "correct horse battery staple", cancellationToken);
            var workspaceId = await CreateWorkspaceAsync(api, repository.Path, cancellationToken);
            var agent = ReadAgent(workspaceId);
            progress.WriteLine($"Web app pid {web.ProcessId} at {web.BaseUrl}; workspace {workspaceId} ready, agent pid {agent.ProcessId}");

            var peer = await StartPeerAsync(root, "peer.log", CheckoutOf(workspaceId), throttleMs: 0, cancellationToken);
            var batchingPeer = await StartPeerAsync(root, "peer-batching.log", CheckoutOf(workspaceId), throttleMs: 5, cancellationToken);
            progress.WriteLine($"Peer (node-pty + ws) pid {peer.ProcessId} at {peer.BaseUrl}; with VS Code's 5 ms output batching pid {batchingPeer.ProcessId}");

            var sides = new List<Side>();
            await using var clients = new AsyncDisposables();
            EchoResult echo;
            ThroughputResult throughput;
            try
            {
                if (options.Client == BenchOptions.NodeClient)
                {
                    await NpmCiAsync(options.ClientDirectory, cancellationToken);
                    var node = NodeClient.Start(options.ClientDirectory);
                    clients.Add(node);
                    int[] client = [node.ProcessId];
                    var hubUrl = new Uri(web.BaseUrl, $"/workspaces/{workspaceId}/agent{TerminalsHubContract.Path}");
                    sides.Add(new Side(Ours, await node.ConnectOursAsync(Ours, hubUrl, api.Token, Columns, Rows, cancellationToken), [web.ProcessId, agent.ProcessId], client));
                    sides.Add(new Side(Peer, await node.ConnectPeerAsync(Peer, WebSocketUrl(peer.BaseUrl), Columns, Rows, cancellationToken), [peer.ProcessId], client));
                    sides.Add(new Side(BatchingPeer, await node.ConnectPeerAsync(BatchingPeer, WebSocketUrl(batchingPeer.BaseUrl), Columns, Rows, cancellationToken), [batchingPeer.ProcessId], client));
                }
                else
                {
                    var hub = await HubTerminals.ConnectAsync(web.BaseUrl, workspaceId, api.Token, cancellationToken);
                    clients.Add(hub);
                    var terminal = await hub.CreateAsync(Columns, Rows, cancellationToken);
                    int[] harness = [Environment.ProcessId];
                    sides.Add(new Side(Ours, new DotnetTerminalDriver(new TerminalClient(hub.Transport(terminal.Id))), [web.ProcessId, agent.ProcessId], harness));
                    sides.Add(new Side(Peer, new DotnetTerminalDriver(new TerminalClient(await PeerTerminalTransport.ConnectAsync(WebSocketUrl(peer.BaseUrl), Columns, Rows, cancellationToken))), [peer.ProcessId], harness));
                    sides.Add(new Side(BatchingPeer, new DotnetTerminalDriver(new TerminalClient(await PeerTerminalTransport.ConnectAsync(WebSocketUrl(batchingPeer.BaseUrl), Columns, Rows, cancellationToken))), [batchingPeer.ProcessId], harness));
                }

                foreach (var side in sides)
                {
                    await side.Driver.WaitQuietAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), cancellationToken);
                }

                await using var load = BackgroundLoad.Start(options.BackgroundLoad, progress);
                echo = await MeasureEchoAsync(sides, cancellationToken);
                throughput = await MeasureThroughputAsync(sides, cancellationToken);
                loadDuring = load.LoadAverage();
            }
            finally
            {
                foreach (var side in sides)
                {
                    await side.Driver.DisposeAsync();
                }
            }

            // Memory on fresh processes: what the runs above allocated must not blur the idle figure.
            var oursMemory = await MeasureOurMemoryAsync(api, repository.Path, cancellationToken);
            var peerMemory = await MeasurePeerMemoryAsync(root, CheckoutOf(workspaceId), cancellationToken);

            succeeded = true;
            return new BenchReport(options, machine with { LoadAfter = MachineFacts.LoadAverage(), LoadDuring = loadDuring, Sandboxed = agent.Sandboxed }, echo, throughput, oursMemory, peerMemory);
        }
        finally
        {
            await CleanUpAsync(api);
            if (options.KeepFiles || !succeeded)
            {
                progress.WriteLine($"Kept {root.Path} (web app, peer and agent logs)");
            }
            else
            {
                root.Dispose();
            }
        }
    }

    private async Task<EchoResult> MeasureEchoAsync(List<Side> sides, CancellationToken cancellationToken)
    {
        foreach (var side in sides)
        {
            await TypeAsync(side, options.Warmup, record: false, cancellationToken);
        }

        // Alternating blocks: a slow moment of the machine hits both sides alike.
        var block = options.Keystrokes / options.Blocks;
        for (var i = 0; i < options.Blocks; i++)
        {
            foreach (var side in sides)
            {
                await TypeAsync(side, block, record: true, cancellationToken);
            }
        }

        foreach (var side in sides)
        {
            var samples = new Samples(side.Echoes);
            progress.WriteLine($"Echo {side.Name}: p50 {Samples.Ms(samples.Percentile(50))} ms, p99 {Samples.Ms(samples.Percentile(99))} ms, max {Samples.Ms(samples.Max)} ms over {samples.Count}");
        }

        return new EchoResult(
            sides.ToDictionary(side => side.Name, side => new Samples(side.Echoes)),
            sides.ToDictionary(side => side.Name, side => new EchoCost(side.EchoCpu / side.Echoes.Count, (double)side.EchoContextSwitches / side.Echoes.Count)));
    }

    /// <summary>Types one character at a time at the shell's prompt and waits for its echo before the next.</summary>
    private static async Task TypeAsync(Side side, int count, bool record, CancellationToken cancellationToken)
    {
        var cpuBefore = side.Processes.Select(ProcessCpu.Of).ToArray();
        var switchesBefore = side.Processes.Sum(ProcessCpu.ContextSwitches);
        var echoes = await side.Driver.TypeAsync(count, cancellationToken);
        if (record)
        {
            // Includes the Ctrl-U redraws (one per line) and the acknowledgements: all a user's typing costs.
            side.Echoes.AddRange(echoes);
            side.EchoCpu += side.Processes.Select((pid, i) => ProcessCpu.Of(pid) - cpuBefore[i]).Aggregate(TimeSpan.Zero, (a, b) => a + b);
            side.EchoContextSwitches += side.Processes.Sum(ProcessCpu.ContextSwitches) - switchesBefore;
        }
    }

    private async Task<ThroughputResult> MeasureThroughputAsync(List<Side> sides, CancellationToken cancellationToken)
    {
        var runs = sides.ToDictionary(side => side.Name, _ => new List<ThroughputRun>());
        for (var round = 0; round < options.Rounds; round++)
        {
            foreach (var side in sides)
            {
                var run = await StreamAsync(side, cancellationToken);
                runs[side.Name].Add(run);
                progress.WriteLine($"Throughput {side.Name} #{round + 1}: {run.MegabytesPerSecond:0} MB/s ({run.Bytes / 1e6:0} MB in {run.Elapsed.TotalSeconds:0.00} s, {run.Bytes / Math.Max(1, run.Pieces)} bytes a frame; CPU {string.Join(", ", run.Cpu.Select(c => $"{c.Process} {c.Time.TotalSeconds:0.00} s"))})");
            }
        }

        return new ThroughputResult(runs.ToDictionary(run => run.Key, run => (IReadOnlyList<ThroughputRun>)run.Value));
    }

    /// <summary>Runs a command printing <see cref="BenchOptions.OutputMegabytes"/> MB of <c>x</c>, then a marker, and times the bytes until the marker arrives.</summary>
    private async Task<ThroughputRun> StreamAsync(Side side, CancellationToken cancellationToken)
    {
        var bytes = (long)options.OutputMegabytes * 1_000_000;
        // The typed command line is echoed too; quoting makes the echoed line differ from the marker the command prints.
        var command = $"head -c {bytes} /dev/zero | tr '\\0' x; echo; echo END\"\"OF-BENCH-OUTPUT\r";
        await side.Driver.WaitQuietAsync(Quiet, TimeSpan.FromSeconds(10), cancellationToken);
        var cpuBefore = side.Processes.Select(ProcessCpu.Of).ToArray();
        var clientBefore = side.Client.Select(ProcessCpu.Of).ToArray();
        var run = side.Driver.StreamAsync(command, "ENDOF-BENCH-OUTPUT", cancellationToken);
        var output = side.Driver.Offset is null ? await run : await WithStallReportAsync(run, () => side.Driver.Offset ?? 0, $"{side.Name}: no output", cancellationToken);
        var cpu = side.Processes.Select((pid, i) => (Process: NameOf(pid), Time: ProcessCpu.Of(pid) - cpuBefore[i]))
            .Append((Harness.ClientCpu, side.Client.Select((pid, i) => ProcessCpu.Of(pid) - clientBefore[i]).Aggregate(TimeSpan.Zero, (a, b) => a + b)))
            .ToArray();
        return new ThroughputRun(output.Bytes, output.Pieces, output.Elapsed, cpu);
    }

    private async Task<MemoryResult> MeasureOurMemoryAsync(WorkspacesApi api, string repository, CancellationToken cancellationToken)
    {
        var web = (ServerProcess)_resources[0];
        var workspaceId = await CreateWorkspaceAsync(api, repository, cancellationToken);
        var agent = ReadAgent(workspaceId);
        await using var hub = await HubTerminals.ConnectAsync(web.BaseUrl, workspaceId, api.Token, cancellationToken);
        var count = options.IdleTerminals;
        var clients = new List<TerminalClient>();
        var readings = new List<MemoryReading>();
        try
        {
            // The browser keeps one connection for all of a workspace's terminals, each attached.
            readings.Add(await ReadIdleAsync(0, clients, cancellationToken, ("web app", web.ProcessId), ("agent", agent.ProcessId)));
            while (clients.Count < count)
            {
                var terminal = await hub.CreateAsync(80, 24, cancellationToken);
                clients.Add(new TerminalClient(hub.Transport(terminal.Id)));
                if (clients.Count == 1)
                {
                    readings.Add(await ReadIdleAsync(1, clients, cancellationToken, ("web app", web.ProcessId), ("agent", agent.ProcessId)));
                }
            }

            readings.Add(await ReadIdleAsync(count, clients, cancellationToken, ("web app", web.ProcessId), ("agent", agent.ProcessId)));
            var printed = clients.Select(client => client.Offset).ToArray();
            progress.WriteLine($"Ours with {count} idle terminals: {string.Join("; ", readings.Select(r => r.ToString()))}");
            return new MemoryResult(readings, printed);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private async Task<MemoryResult> MeasurePeerMemoryAsync(TempDirectory root, string directory, CancellationToken cancellationToken)
    {
        var peer = await StartPeerAsync(root, "peer-memory.log", directory, throttleMs: 0, cancellationToken);
        var count = options.IdleTerminals;
        var clients = new List<TerminalClient>();
        var readings = new List<MemoryReading>();
        try
        {
            readings.Add(await ReadIdleAsync(0, clients, cancellationToken, ("peer", peer.ProcessId)));
            while (clients.Count < count)
            {
                clients.Add(new TerminalClient(await PeerTerminalTransport.ConnectAsync(WebSocketUrl(peer.BaseUrl), 80, 24, cancellationToken)));
                if (clients.Count == 1)
                {
                    readings.Add(await ReadIdleAsync(1, clients, cancellationToken, ("peer", peer.ProcessId)));
                }
            }

            readings.Add(await ReadIdleAsync(count, clients, cancellationToken, ("peer", peer.ProcessId)));
            var printed = clients.Select(client => client.Offset).ToArray();
            progress.WriteLine($"Peer with {count} idle terminals: {string.Join("; ", readings.Select(r => r.ToString()))}");
            return new MemoryResult(readings, printed);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>Once every terminal printed its prompt and went quiet, and the processes settled, reads their RSS.</summary>
    private static async Task<MemoryReading> ReadIdleAsync(int terminals, List<TerminalClient> clients, CancellationToken cancellationToken, params (string Name, int ProcessId)[] processes)
    {
        var deadline = Stopwatch.GetTimestamp();
        var reported = false;
        var prompted = 0;
        var lastPrompt = deadline;
        while (clients.Count(client => client.Offset > 0) is var now && now < clients.Count)
        {
            // A hundred login shells starting at once take a while on 2 cores; only no new prompt at all is a stall.
            if (now != prompted)
            {
                (prompted, lastPrompt) = (now, Stopwatch.GetTimestamp());
            }
            else if (!reported && Stopwatch.GetElapsedTime(lastPrompt) > StallAfter)
            {
                reported = true;
                ReportStall($"{clients.Count - now} of {clients.Count} terminals without a prompt, none new");
            }

            if (clients.FirstOrDefault(client => client.Receiving.IsCompleted) is { } ended)
            {
                throw new InvalidOperationException("A terminal's output ended before its prompt.", ended.Receiving.Exception?.InnerException);
            }

            if (Stopwatch.GetElapsedTime(deadline) > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException("Not every terminal printed a prompt within 60 s.");
            }

            await Task.Delay(50, cancellationToken);
        }

        foreach (var client in clients)
        {
            await client.WaitQuietAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(30), cancellationToken);
        }

        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        return new MemoryReading(terminals, [.. processes.Select(p => (p.Name, ProcessProbe.ResidentBytes(p.ProcessId)))]);
    }

    /// <summary>Waits for <paramref name="task"/>; when <paramref name="progress"/> stands still for <see cref="StallAfter"/>, says where the bytes sit.</summary>
    private static async Task<T> WithStallReportAsync<T>(Task<T> task, Func<long> progress, string what, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var last = progress();
        var lastMoved = started;
        var reported = false;
        while (!task.IsCompleted && Stopwatch.GetElapsedTime(started) < TimeSpan.FromMinutes(5))
        {
            await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(1), cancellationToken));
            var now = progress();
            if (now != last)
            {
                (last, lastMoved) = (now, Stopwatch.GetTimestamp());
            }
            else if (!reported && Stopwatch.GetElapsedTime(lastMoved) > StallAfter)
            {
                reported = true;
                ReportStall(what);
            }
        }

        return await task.WaitAsync(TimeSpan.Zero, cancellationToken);
    }

    /// <summary>
    /// A stall: the loopback sockets' queues (which side does not read: a full Recv-Q is a process that does not read,
    /// a full Send-Q one whose peer does not) and the servers' thread counts, for whoever looks into it.
    /// </summary>
    private static void ReportStall(string what)
    {
        var report = new StringBuilder($"STALL: {what} for more than {StallAfter.TotalSeconds:0} s. Loopback TCP connections (ss -tnpi):\n");
        try
        {
            using var ss = Process.Start(new ProcessStartInfo("ss", ["-tnpi", "state", "established", "dst", "127.0.0.1"]) { RedirectStandardOutput = true, UseShellExecute = false })!;
            report.Append(ss.StandardOutput.ReadToEnd());
            ss.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            report.Append(e.Message);
        }

        Console.Error.WriteLine(report.ToString());
    }

    private async Task<string> CreateWorkspaceAsync(WorkspacesApi api, string repository, CancellationToken cancellationToken)
    {
        var id = await api.CreateReadyWorkspaceAsync(repository, cancellationToken);
        _workspaceIds.Add(id);
        return id;
    }

    private async Task<ServerProcess> StartPeerAsync(TempDirectory root, string log, string directory, int throttleMs, CancellationToken cancellationToken)
    {
        var peer = await ServerProcess.StartAsync(
            "node",
            ["server.js", "--port", "{port}", "--cwd", directory, "--throttle-ms", throttleMs.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            options.PeerDirectory,
            root.Combine(log),
            "/",
            options.ServerEnvironment,
            cancellationToken);
        _resources.Add(peer);
        return peer;
    }

    private Task EnsurePeerInstalledAsync(CancellationToken cancellationToken) => NpmCiAsync(options.PeerDirectory, cancellationToken);

    private async Task NpmCiAsync(string directory, CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(directory, "node_modules", ".package-lock.json")))
        {
            return;
        }

        progress.WriteLine($"Installing packages (npm ci in {directory})");
        using var npm = Process.Start(new ProcessStartInfo("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"]) { WorkingDirectory = directory })
            ?? throw new InvalidOperationException("npm did not start.");
        await npm.WaitForExitAsync(cancellationToken);
        if (npm.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm ci failed with {npm.ExitCode} in {directory}.");
        }
    }

    /// <summary>The agent's host pid (a sandboxed agent has another inside), for its CPU time and memory.</summary>
    private (int ProcessId, bool Sandboxed) ReadAgent(string workspaceId) =>
        (AgentPids.HostPid(_dataDirectory, workspaceId) ?? throw new InvalidOperationException($"Workspace {workspaceId} has no agent."),
         File.Exists(Path.Combine(_dataDirectory, "workspaces", workspaceId + ".sandbox.json")));

    /// <summary>The repository's checkout in the workspace: the peer's shells start there too.</summary>
    private string CheckoutOf(string workspaceId)
    {
        var directory = Path.Combine(_dataDirectory, "workspaces", workspaceId);
        return Directory.EnumerateDirectories(directory).FirstOrDefault(d => !Path.GetFileName(d).StartsWith('.')) ?? directory;
    }

    private static Uri WebSocketUrl(Uri http) => new UriBuilder(http) { Scheme = "ws" }.Uri;

    private static string NameOf(int processId)
    {
        var cmdline = File.ReadAllText($"/proc/{processId}/cmdline");
        return cmdline.Contains("WorkspaceAgent", StringComparison.Ordinal) ? "agent"
            : cmdline.Contains("Workspaces.Web", StringComparison.Ordinal) ? "web app"
            : cmdline.StartsWith("node", StringComparison.Ordinal) ? "node" : processId.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Deletes the workspaces, stops the web app and the peers, and kills any agent that survived (agents outlive the web app by design).</summary>
    private async Task CleanUpAsync(WorkspacesApi? api)
    {
        var agents = _workspaceIds.Select(id =>
        {
            try
            {
                return ReadAgent(id).ProcessId;
            }
            catch (IOException)
            {
                return 0;
            }
        }).Where(pid => pid > 0).ToList();
        using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        if (api is not null)
        {
            foreach (var id in _workspaceIds)
            {
                try
                {
                    await api.DeleteWorkspaceAsync(id, cleanup.Token);
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                {
                    progress.WriteLine($"Could not delete workspace {id}: {e.Message}");
                }
            }

            foreach (var pid in agents)
            {
                await ProcessProbe.WaitUntilGoneAsync(pid, TimeSpan.FromSeconds(20), CancellationToken.None);
            }

            api.Dispose();
        }

        foreach (var resource in Enumerable.Reverse(_resources))
        {
            await resource.DisposeAsync();
        }

        foreach (var pid in agents.Where(IsAgent))
        {
            progress.WriteLine($"Killing leftover agent {pid}");
            ProcessSignals.Send(pid, ProcessSignals.SigKill);
            await ProcessProbe.WaitUntilGoneAsync(pid, TimeSpan.FromSeconds(5), CancellationToken.None);
        }
    }

    private static bool IsAgent(int processId)
    {
        try
        {
            return ProcessProbe.IsAlive(processId) && File.ReadAllText($"/proc/{processId}/cmdline").Contains("WorkspaceAgent", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private sealed class Side(string name, ITerminalDriver driver, int[] processes, int[] client)
    {
        public string Name { get; } = name;

        public ITerminalDriver Driver { get; } = driver;

        /// <summary>The server processes whose CPU time a run costs.</summary>
        public int[] Processes { get; } = processes;

        /// <summary>The client's process (the harness itself, or Node), reported apart from the servers.</summary>
        public int[] Client { get; } = client;

        public List<double> Echoes { get; } = [];

        public TimeSpan EchoCpu { get; set; }

        public long EchoContextSwitches { get; set; }
    }
}
