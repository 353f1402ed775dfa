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
internal sealed class Harness(BenchOptions options, TextWriter progress)
{
    public const int LargeFileCount = 5_000;
    public const int LargeTotalBytes = 50 * 1024 * 1024;
    public const int SmallFileCount = 10;
    public const int SmallFileBytes = 1024;

    private const int MaxAttempts = 3;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(2);
    private static readonly GitServerCredential Credential = new("bench", "bench-token-" + Guid.NewGuid().ToString("N"));
    private readonly List<string> _workspaceIds = [];
    private string _dataDirectory = "";

    public async Task<BenchReport> RunAsync(CancellationToken cancellationToken)
    {
        var root = TempDirectory.Create("ws-bench");
        var dataDirectory = Path.Combine(root.Path, "data");
        _dataDirectory = dataDirectory;
        var logFile = Path.Combine(root.Path, "web.log");
        WebAppProcess? web = null;
        WorkspacesApiClient? api = null;
        try
        {
            await using var server = await SmartHttpGitServer.StartAsync(cancellationToken);
            var generation = Stopwatch.StartNew();
            await server.CreateRepositoryAsync("small", new GitRepositoryBuilder().WithRandomFiles(SmallFileCount, SmallFileBytes), null, cancellationToken);
            await server.CreateRepositoryAsync("large", new GitRepositoryBuilder().WithRandomFiles(LargeFileCount, LargeTotalBytes / LargeFileCount), Credential, cancellationToken);
            progress.WriteLine($"Generated the repositories in {generation.Elapsed.TotalSeconds:0.0} s; serving them at {server.BaseUrl}");
            var repositories = new[]
            {
                (Name: "small", Description: $"{SmallFileCount} files × {SmallFileBytes / 1024} KiB, public", Url: server.RepositoryUrl("small"), Target: TimeSpan.FromSeconds(1)),
                (Name: "large", Description: $"{LargeFileCount:N0} files, {LargeTotalBytes / (1024 * 1024)} MiB incompressible, Basic auth", Url: server.RepositoryUrl("large"), Target: TimeSpan.FromSeconds(3)),
            };

            web = await WebAppProcess.StartAsync(options.WebAppPath, dataDirectory, logFile, cancellationToken);
            progress.WriteLine($"Web app (pid {web.ProcessId}) answered /alive after {web.StartupTime.TotalMilliseconds:0} ms at {web.BaseUrl}");
            api = new WorkspacesApiClient(web.BaseUrl);
            await api.SignInAsync("bench@example.com", "correct horse battery staple", cancellationToken);
            await api.SaveGitCredentialAsync(server.BaseUrl.Authority, Credential.Username, Credential.Password, cancellationToken);
            var webAtStart = web.Memory();

            // The first start after the web app starts pays for its JIT and first database queries; reported on its own.
            var first = await StartWithRetriesAsync(api, web, repositories[0].Url, cancellationToken);
            await DeleteAsync(api, first.Id, cancellationToken);
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
                    var start = await StartWithRetriesAsync(api, web, repository.Url, cancellationToken);
                    await DeleteAsync(api, start.Id, cancellationToken);
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
            var webIdle = web.Memory();

            var agents = new List<(string Repository, ProcMemory Memory)>();
            foreach (var repository in repositories)
            {
                var ready = await StartWithRetriesAsync(api, web, repository.Url, cancellationToken);
                await Task.Delay(options.IdleSettle, cancellationToken);
                var agent = ReadAgentInfo(dataDirectory, ready.Id) ?? throw new InvalidOperationException($"No agent.json for workspace {ready.Id}.");
                agents.Add((repository.Name, ProcMemory.Read(agent.ProcessId)));
                progress.WriteLine($"Idle agent of the {repository.Name} workspace (pid {agent.ProcessId}): {agents[^1].Memory}");
            }

            var webWithAgents = web.Memory();
            foreach (var id in _workspaceIds.ToList())
            {
                await DeleteAsync(api, id, cancellationToken);
            }

            return new BenchReport(options, MachineInfo.Read(), web.StartupTime, Stats.Ms(first.Run.Wall), results, webAtStart, webIdle, webWithAgents, agents, options.PollInterval);
        }
        catch (Exception) when (web is { HasExited: true })
        {
            progress.WriteLine($"The web app exited with code {web.ExitCode}; the last lines of its output:");
            foreach (var line in File.ReadLines(logFile).TakeLast(40))
            {
                progress.WriteLine("  " + line);
            }

            throw;
        }
        finally
        {
            await CleanUpAsync(api, web, dataDirectory);
            if (options.KeepFiles)
            {
                progress.WriteLine($"Kept {root.Path} (web app log: {logFile})");
            }
            else
            {
                root.Dispose();
            }
        }
    }

    /// <summary>
    /// A start that fails is deleted and tried again (up to <see cref="MaxAttempts"/> times) rather than ending the
    /// benchmark: on a shared machine something else may signal our processes.
    /// </summary>
    private async Task<(string Id, StartRun Run)> StartWithRetriesAsync(WorkspacesApiClient api, WebAppProcess web, string repositoryUrl, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TimeStartAsync(api, web, repositoryUrl, cancellationToken);
            }
            catch (StartFailedException e) when (attempt < MaxAttempts)
            {
                progress.WriteLine($"Workspace {e.WorkspaceId} failed ({e.Message}); deleting it and trying again, not counting it");
                await DeleteAsync(api, e.WorkspaceId, cancellationToken);
            }
        }
    }

    private async Task<(string Id, StartRun Run)> TimeStartAsync(WorkspacesApiClient api, WebAppProcess web, string repositoryUrl, CancellationToken cancellationToken)
    {
        var webCpu = ProcCpu.TryRead(web.ProcessId)?.Self ?? TimeSpan.Zero;
        var stopwatch = Stopwatch.StartNew();
        var created = await api.CreateWorkspaceAsync(repositoryUrl, cancellationToken);
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
                    return (created.Id, new StartRun(wall, details.LastStart, agentCpu, webCpuSpent));
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
    private async Task DeleteAsync(WorkspacesApiClient api, string id, CancellationToken cancellationToken)
    {
        var agent = ReadAgentInfo(_dataDirectory, id);
        await api.DeleteWorkspaceAsync(id, cancellationToken);
        // The API hides a workspace as soon as its deletion is asked for; the reconciler then stops the agent and deletes
        // the directory.
        var directory = Path.Combine(_dataDirectory, "workspaces", id);
        var stopwatch = Stopwatch.StartNew();
        while (Directory.Exists(directory) || (agent is not null && IsAgent(agent.ProcessId)))
        {
            if (stopwatch.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"Workspace {id} was not deleted within 60 s.");
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

    private static AgentRuntimeInfo? ReadAgentInfo(string dataDirectory, string workspaceId)
    {
        var file = new WorkspaceLayout(Path.Combine(dataDirectory, "workspaces", workspaceId), "").RuntimeFile;
        return File.Exists(file) ? JsonSerializer.Deserialize<AgentRuntimeInfo>(File.ReadAllText(file), AgentJson.Options) : null;
    }

    /// <summary>Deletes what is left through the API, stops the web app, and kills any agent that survived (agents outlive the web app by design).</summary>
    private async Task CleanUpAsync(WorkspacesApiClient? api, WebAppProcess? web, string dataDirectory)
    {
        using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        if (api is not null)
        {
            foreach (var id in _workspaceIds.ToList())
            {
                try
                {
                    await DeleteAsync(api, id, cleanup.Token);
                }
                catch (Exception e) when (e is HttpRequestException or TimeoutException or OperationCanceledException or InvalidOperationException)
                {
                    progress.WriteLine($"Could not delete workspace {id}: {e.Message}");
                }
            }

            api.Dispose();
        }

        if (web is not null)
        {
            await web.DisposeAsync();
        }

        var workspaces = Path.Combine(dataDirectory, "workspaces");
        if (!Directory.Exists(workspaces))
        {
            return;
        }

        foreach (var directory in Directory.EnumerateDirectories(workspaces))
        {
            if (ReadAgentInfo(dataDirectory, Path.GetFileName(directory)) is { } agent && IsAgent(agent.ProcessId))
            {
                progress.WriteLine($"Killing leftover agent {agent.ProcessId}");
                ProcessSignals.Send(agent.ProcessId, ProcessSignals.SigKill);
                await ProcessProbe.WaitUntilGoneAsync(agent.ProcessId, TimeSpan.FromSeconds(5), CancellationToken.None);
            }
        }
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
