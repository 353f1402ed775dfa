using System.Diagnostics;
using System.Text.Json;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Processes;

namespace Workspaces.StartLatency;

/// <summary>
/// Generates the repositories, serves them over smart HTTP, starts the real web app, times starts and <c>git clone</c>s
/// interleaved, reads idle memory, and leaves no process behind.
/// </summary>
internal sealed partial class Harness(BenchOptions options, TextWriter progress) : IDisposable
{
    public const int LargeFileCount = 5_000;
    public const int LargeTotalBytes = 50 * 1024 * 1024;
    public const int SmallFileCount = 10;
    public const int SmallFileBytes = 1024;

    private const int MaxAttempts = 3;
    private const string Email = "bench@example.com";
    private const string Password = "correct horse battery staple";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(5);

    /// <summary>A prebuilt node_modules is tens of thousands of files, owned by the workspace's mapped user: removing it takes a while.</summary>
    private static readonly TimeSpan DeleteTimeout = TimeSpan.FromMinutes(3);
    private static readonly GitServerCredential Credential = new("bench", "bench-token-" + Guid.NewGuid().ToString("N"));
    private readonly List<string> _workspaceIds = [];
    private string _dataDirectory = "";
    private string _logDirectory = "";
    private WebAppProcess? _web;
    private WorkspacesApiClient? _api;
    private int _webStarts;

    public void Dispose() => _api?.Dispose();

    private WebAppProcess Web => _web ?? throw new InvalidOperationException("The web app is not running.");

    private WorkspacesApiClient Api => _api ?? throw new InvalidOperationException("The web app is not running.");

    public async Task<BenchReport> RunAsync(CancellationToken cancellationToken)
    {
        var root = TempDirectory.Create("ws-bench");
        _dataDirectory = Path.Combine(root.Path, "data");
        _logDirectory = root.Path;
        try
        {
            await using var server = await SmartHttpGitServer.StartAsync(cancellationToken);
            var generation = Stopwatch.StartNew();
            await server.CreateRepositoryAsync("small", new GitRepositoryBuilder().WithRandomFiles(SmallFileCount, SmallFileBytes), null, cancellationToken);
            await server.CreateRepositoryAsync("large", new GitRepositoryBuilder().WithRandomFiles(LargeFileCount, LargeTotalBytes / LargeFileCount), Credential, cancellationToken);
            progress.WriteLine($"Generated the repositories in {generation.Elapsed.TotalSeconds:0.0} s; serving them at {server.BaseUrl}");
            _gitServerPort = server.BaseUrl.Port;
            var repositories = new[]
            {
                (Name: "small", Description: $"{SmallFileCount} files × {SmallFileBytes / 1024} KiB, public", Url: server.RepositoryUrl("small"), Target: TimeSpan.FromSeconds(1)),
                (Name: "large", Description: $"{LargeFileCount:N0} files, {LargeTotalBytes / (1024 * 1024)} MiB incompressible, Basic auth", Url: server.RepositoryUrl("large"), Target: TimeSpan.FromSeconds(3)),
            };

            await StartWebAsync(cancellationToken);
            var webStartup = Web.StartupTime;
            await Api.SignInAsync(Email, Password, cancellationToken);
            await Api.SaveGitCredentialAsync(server.BaseUrl.Authority, Credential.Username, Credential.Password, cancellationToken);
            var webAtStart = Web.Memory();

            // The first start after the web app starts pays for its JIT and first database queries; reported on its own.
            var first = await StartWithRetriesAsync(repositories[0].Url, cancellationToken);
            await DeleteAsync(first.Id, cancellationToken);
            progress.WriteLine($"First start (cold web app), small repository: {Stats.Ms(first.Run.Wall)} ms");

            var results = new List<RepositoryResult>();
            foreach (var repository in repositories)
            {
                var starts = new List<StartRun>();
                var clones = new List<GitClone>();
                var pressure = new CpuPressure();
                for (var i = 0; i < options.Runs; i++)
                {
                    var runPressure = new CpuPressure();
                    var start = await StartWithRetriesAsync(repository.Url, cancellationToken);
                    await DeleteAsync(start.Id, cancellationToken);
                    starts.Add(start.Run);
                    var clone = await TimeGitCloneAsync(repository.Url, root.Path, cancellationToken);
                    clones.Add(clone);
                    var run = start.Run;
                    progress.WriteLine(
                        $"{repository.Name} #{i + 1}: ready {Stats.Ms(run.Wall)} ms (queued {Stats.Ms(run.Queued)}, agent {Stats.Ms(run.AgentStart)}, clone {Stats.Ms(run.Cloning)}, " +
                        $"tasks+report {Stats.Ms(run.TasksAndReport)}, api+poll {Stats.Ms(run.ApiAndPolling)}; CPU agent {Stats.Ms(run.AgentCpu)}, web {Stats.Ms(run.WebCpu)}); " +
                        $"git clone {Stats.Ms(clone.Wall)} ms (CPU {Stats.Ms(clone.Cpu)}); CPU pressure {CpuPressure.Percent(runPressure.Fraction())}");
                }

                results.Add(new RepositoryResult(repository.Name, repository.Description, repository.Target, starts, clones, pressure.Fraction()));
            }

            await Task.Delay(options.IdleSettle, cancellationToken);
            var webIdle = Web.Memory();

            var agents = new List<(string Repository, ProcMemory Memory)>();
            foreach (var repository in repositories)
            {
                var ready = await StartWithRetriesAsync(repository.Url, cancellationToken);
                await Task.Delay(options.IdleSettle, cancellationToken);
                var agent = ReadAgentInfo(_dataDirectory, ready.Id) ?? throw new InvalidOperationException($"No agent.json for workspace {ready.Id}.");
                agents.Add((repository.Name, ProcMemory.Read(agent.ProcessId)));
                progress.WriteLine($"Idle agent of the {repository.Name} workspace (pid {agent.ProcessId}): {agents[^1].Memory}");
            }

            var webWithAgents = Web.Memory();
            foreach (var id in _workspaceIds.ToList())
            {
                await DeleteAsync(id, cancellationToken);
            }

            var restarts = _webStarts - 1;
            return new BenchReport(options, MachineInfo.Read(), webStartup, Stats.Ms(first.Run.Wall), results, webAtStart, webIdle, webWithAgents, agents, options.PollInterval, restarts);
        }
        finally
        {
            await CleanUpAsync();
            if (options.KeepFiles)
            {
                progress.WriteLine($"Kept {root.Path} (web app logs: web-*.log)");
            }
            else
            {
                root.Dispose();
            }
        }
    }

    private int _gitServerPort;

    private async Task StartWebAsync(CancellationToken cancellationToken)
    {
        _webStarts++;
        var logFile = Path.Combine(_logDirectory, $"web-{_webStarts}.log");
        // The Git server is on this machine's loopback: allowed as an administrator allows an internal Git server, and the
        // one port of the host's loopback that sandboxed workspaces may reach.
        var allowGitServer = options with
        {
            WebArguments =
            [
                .. options.WebArguments,
                "--Workspaces:Repositories:AllowedNetworks:0=127.0.0.0/8",
                $"--Workspaces:Sandbox:HostLoopbackPorts:0={_gitServerPort}",
            ],
        };
        _web = await WebAppProcess.StartAsync(allowGitServer, _dataDirectory, logFile, cancellationToken);
        var token = _api?.Token;
        _api?.Dispose();
        _api = new WorkspacesApiClient(_web.BaseUrl);
        if (token is not null)
        {
            _api.UseToken(token);
        }

        progress.WriteLine($"Web app (pid {_web.ProcessId}) answered /alive after {_web.StartupTime.TotalMilliseconds:0} ms at {_web.BaseUrl}");
    }

    /// <summary>
    /// A start that fails is deleted and tried again (up to <see cref="MaxAttempts"/> times) rather than ending the
    /// benchmark: on a shared machine something else may signal our processes. If that was the web app, it is started
    /// again on the same data directory (agents and workspaces survive a restart by design) and the run repeated.
    /// </summary>
    private Task<(string Id, StartRun Run)> StartWithRetriesAsync(string repositoryUrl, CancellationToken cancellationToken) =>
        StartWithRetriesAsync(ct => Api.CreateWorkspaceAsync(repositoryUrl, ct), cancellationToken);

    private async Task<(string Id, StartRun Run)> StartWithRetriesAsync(Func<CancellationToken, Task<WorkspaceDto>> create, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TimeStartAsync(create, cancellationToken);
            }
            catch (StartFailedException e) when (attempt < MaxAttempts)
            {
                progress.WriteLine($"Workspace {e.WorkspaceId} failed ({e.Message}); deleting it and trying again, not counting it");
                await DeleteAsync(e.WorkspaceId, cancellationToken);
            }
            catch (HttpRequestException e) when (attempt < MaxAttempts)
            {
                if (!await WebExitedAsync())
                {
                    throw;
                }

                progress.WriteLine($"The web app (pid {Web.ProcessId}) exited with code {Web.ExitCode} ({e.Message}); starting it again, not counting this run. Its last lines:");
                foreach (var line in Web.LastLines(10))
                {
                    progress.WriteLine("  " + line);
                }

                await Web.DisposeAsync();
                await StartWebAsync(cancellationToken);
                foreach (var id in _workspaceIds.ToList())
                {
                    await DeleteAsync(id, cancellationToken);
                }
            }
        }
    }

    private async Task<bool> WebExitedAsync()
    {
        // Refused connections come before the process is gone: give it a moment to finish exiting.
        for (var i = 0; i < 100 && !Web.HasExited; i++)
        {
            await Task.Delay(100);
        }

        return Web.HasExited;
    }

    private async Task<(string Id, StartRun Run)> TimeStartAsync(Func<CancellationToken, Task<WorkspaceDto>> create, CancellationToken cancellationToken)
    {
        var web = Web;
        var api = Api;
        var webCpu = ProcCpu.TryRead(web.ProcessId)?.Self ?? TimeSpan.Zero;
        var stopwatch = Stopwatch.StartNew();
        var created = await create(cancellationToken);
        _workspaceIds.Add(created.Id);
        while (true)
        {
            var tick = stopwatch.Elapsed;
            var details = await api.GetWorkspaceAsync(created.Id, cancellationToken) ?? throw new InvalidOperationException($"Workspace {created.Id} vanished.");
            switch (details.Workspace.Phase)
            {
                case WorkspacePhase.Ready:
                    var wall = stopwatch.Elapsed;
                    // The phase and the start's timings are two writes; the second may land a moment later.
                    while (details.LastStart?.ReadyAt is null)
                    {
                        await Task.Delay(options.PollInterval, cancellationToken);
                        details = await api.GetWorkspaceAsync(created.Id, cancellationToken) ?? throw new InvalidOperationException($"Workspace {created.Id} vanished.");
                    }

                    // The agent's CPU time so far includes its clone worker, which has exited and been waited for.
                    var agentCpu = ReadAgentInfo(_dataDirectory, created.Id) is { } agent && ProcCpu.TryRead(agent.ProcessId) is { } cpu ? cpu.Total : TimeSpan.Zero;
                    var webCpuSpent = (ProcCpu.TryRead(web.ProcessId)?.Self ?? webCpu) - webCpu;
                    return (created.Id, new StartRun(wall, details.LastStart, agentCpu, webCpuSpent) { Prebuild = details.Prebuild });
                case WorkspacePhase.Failed:
                    throw new StartFailedException(created.Id, $"{details.Workspace.Error?.Code}: {details.Workspace.Error?.Message}");
            }

            if (stopwatch.Elapsed > ReadyTimeout)
            {
                throw new TimeoutException($"Workspace {created.Id} was not ready after {ReadyTimeout.TotalSeconds:0} s (phase {details.Workspace.Phase}).");
            }

            var wait = options.PollInterval - (stopwatch.Elapsed - tick);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }
        }
    }

    /// <summary>Deletes a workspace and waits until it, its agent and its files are gone, so runs do not overlap.</summary>
    private async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var api = Api;
        var agent = ReadAgentInfo(_dataDirectory, id);
        await api.DeleteWorkspaceAsync(id, cancellationToken);
        // The API hides a workspace as soon as its deletion is asked for; the reconciler then stops the agent and deletes
        // the directory.
        var directory = Path.Combine(_dataDirectory, "workspaces", id);
        var stopwatch = Stopwatch.StartNew();
        while (Directory.Exists(directory) || (agent is not null && IsAgent(agent.ProcessId)))
        {
            if (stopwatch.Elapsed > DeleteTimeout)
            {
                throw new TimeoutException($"Workspace {id} was not deleted within {DeleteTimeout.TotalSeconds:0} s.");
            }

            await Task.Delay(20, cancellationToken);
        }

        _workspaceIds.Remove(id);
    }

    private static async Task<GitClone> TimeGitCloneAsync(string url, string scratchRoot, CancellationToken cancellationToken)
    {
        var destination = Path.Combine(scratchRoot, "git-clone-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            // sh waits for git and then prints its own stat line, whose children's CPU time is git's with everything git
            // waited for (remote-http, index-pack). The credential reaches git through a helper, as a stored one would.
            var start = new ProcessStartInfo("/bin/sh")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = scratchRoot,
            };
            GitCli.ConfigureEnvironment(start.Environment);
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("git \"$@\" && cat /proc/$$/stat");
            start.ArgumentList.Add("sh");
            foreach (var argument in new[] { "-c", "credential.helper=", "-c", $"credential.helper=!f() {{ echo username={Credential.Username}; echo password={Credential.Password}; }}; f", "clone", "--quiet", url, destination })
            {
                start.ArgumentList.Add(argument);
            }

            var stopwatch = Stopwatch.StartNew();
            using var process = Process.Start(start) ?? throw new InvalidOperationException("sh did not start.");
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            var elapsed = stopwatch.Elapsed;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"git clone {url} failed: {await errors}");
            }

            return new GitClone(elapsed, ProcCpu.Parse((await output).Trim()).WaitedChildren);
        }
        finally
        {
            TempDirectory.DeleteRecursively(destination);
        }
    }

    /// <summary>The agent's host pid (a sandboxed agent has another inside its PID namespace).</summary>
    private static AgentPid? ReadAgentInfo(string dataDirectory, string workspaceId) =>
        AgentPids.HostPid(dataDirectory, workspaceId) is { } pid ? new AgentPid(pid) : null;

    private sealed record AgentPid(int ProcessId);

    /// <summary>
    /// Deletes what is left through the API, stops the web app, and kills any agent that survived (agents outlive the
    /// web app by design) together with what it started (a clone worker).
    /// </summary>
    private async Task CleanUpAsync()
    {
        using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        if (_api is not null && _web is { HasExited: false })
        {
            foreach (var id in _workspaceIds.ToList())
            {
                try
                {
                    await DeleteAsync(id, cleanup.Token);
                }
                catch (Exception e) when (e is HttpRequestException or TimeoutException or OperationCanceledException or InvalidOperationException)
                {
                    progress.WriteLine($"Could not delete workspace {id}: {e.Message}");
                }
            }
        }

        _api?.Dispose();
        if (_web is not null)
        {
            await _web.DisposeAsync();
        }

        var workspaces = Path.Combine(_dataDirectory, "workspaces");
        if (!Directory.Exists(workspaces))
        {
            return;
        }

        foreach (var directory in Directory.EnumerateDirectories(workspaces))
        {
            if (ReadAgentInfo(_dataDirectory, Path.GetFileName(directory)) is { } agent && IsAgent(agent.ProcessId))
            {
                progress.WriteLine($"Killing leftover agent {agent.ProcessId} and the processes below it");
                foreach (var pid in (int[])[.. Descendants(agent.ProcessId), agent.ProcessId])
                {
                    ProcessSignals.Send(pid, ProcessSignals.SigKill);
                    await ProcessProbe.WaitUntilGoneAsync(pid, TimeSpan.FromSeconds(5), CancellationToken.None);
                }
            }
        }
    }

    private static List<int> Descendants(int processId)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                    parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                    // Gone meanwhile.
                }
            }
        }

        var result = new List<int>();
        var frontier = new Queue<int>([processId]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var child in parents.Where(p => p.Value == parent).Select(p => p.Key))
            {
                result.Add(child);
                frontier.Enqueue(child);
            }
        }

        return result;
    }

    private static bool IsAgent(int processId)
    {
        try
        {
            return ProcessProbe.IsAlive(processId) && File.ReadAllText($"/proc/{processId}/cmdline").Contains("Workspaces.WorkspaceAgent", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}

/// <summary>A workspace reached phase Failed instead of Ready.</summary>
internal sealed class StartFailedException(string workspaceId, string message) : Exception(message)
{
    public string WorkspaceId { get; } = workspaceId;
}
