using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceController.Local.ClusterAccess;
using Workspaces.WorkspaceController.Local.Sandbox;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.WorkspaceController.Local;

/// <summary>
/// The embedded default: each workspace is a directory under <see cref="LocalRuntimeOptions.WorkspacesDirectory"/> and
/// its agent a process in its own session, so agents outlive a restart of the web app and are adopted again afterwards.
/// Where the machine allows it (<see cref="WorkspaceSandbox"/>) each agent runs in a sandbox of its own and listens on a
/// Unix socket; what the runtime knows of it then lives outside the workspace's directory (<see cref="SandboxRuntimeInfo"/>).
/// </summary>
public sealed partial class LocalProcessRuntime(
    IOptions<LocalRuntimeOptions> options,
    WorkspaceSandbox sandbox,
    LocalClusterAccess clusterAccess,
    TimeProvider timeProvider,
    ILogger<LocalProcessRuntime> logger) : IWorkspaceRuntime
{
    private const string AgentMarker = "Workspaces.WorkspaceAgent";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(15);
    private readonly LocalRuntimeOptions _options = options.Value;
    private readonly KeyedLocks _locks = new();

    public Task<RuntimeObservation> ObserveAsync(string workspaceId, CancellationToken cancellationToken)
    {
        var layout = Layout(workspaceId);
        if (!Directory.Exists(layout.WorkspaceDirectory))
        {
            return Task.FromResult(RuntimeObservation.Absent(workspaceId));
        }

        if (SandboxRuntimeInfo.Read(SandboxInfoPath(workspaceId)) is { } sandboxed)
        {
            return Task.FromResult(IsAgentRunning(sandboxed.AgentProcessId, workspaceId)
                ? new RuntimeObservation(workspaceId, RuntimeState.Running, new Uri(sandboxed.Url), sandboxed.StartedAt, null)
                : new RuntimeObservation(workspaceId, RuntimeState.Stopped, null, null, ReadLogTail(layout)));
        }

        // An unsandboxed agent shares the service's PID namespace; a sandboxed one's own record (which its workspace can
        // write) names a pid of another namespace and is never believed.
        var info = ReadRuntimeInfo(layout);
        if (info is not null && IsAgentRunning(info) && ProcessSignals.SharesPidNamespace(info.ProcessId))
        {
            return Task.FromResult(new RuntimeObservation(workspaceId, RuntimeState.Running, new Uri(info.Url), info.StartedAt, null));
        }

        return Task.FromResult(new RuntimeObservation(workspaceId, RuntimeState.Stopped, null, null, ReadLogTail(layout)));
    }

    public async Task<IReadOnlyList<RuntimeObservation>> ListAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_options.WorkspacesDirectory))
        {
            return [];
        }

        var result = new List<RuntimeObservation>();
        foreach (var dir in Directory.EnumerateDirectories(_options.WorkspacesDirectory).Where(d => !Path.GetFileName(d).StartsWith('.')))
        {
            result.Add(await ObserveAsync(Path.GetFileName(dir), cancellationToken));
        }

        return result;
    }

    public async Task<RuntimeObservation> StartAsync(WorkspaceLaunch launch, CancellationToken cancellationToken)
    {
        using var _ = await _locks.AcquireAsync(launch.WorkspaceId, cancellationToken);
        var existing = await ObserveAsync(launch.WorkspaceId, cancellationToken);
        if (existing.State == RuntimeState.Running)
        {
            return existing;
        }

        var layout = Layout(launch.WorkspaceId, launch.CheckoutDirectoryName);
        Directory.CreateDirectory(layout.StateDirectory);
        File.Delete(layout.RuntimeFile);
        File.Delete(SandboxInfoPath(launch.WorkspaceId));
        var sandboxed = (await sandbox.StatusAsync()).Active;

        var bootstrap = new AgentBootstrap(
            launch.WorkspaceId,
            launch.RepositoryUrl,
            launch.Ref,
            layout.WorkspaceDirectory,
            launch.CheckoutDirectoryName,
            launch.AgentSecret,
            launch.GitCredential,
            sandboxed ? SandboxCommand.InsideListenUrl : "http://127.0.0.1:0",
            _options.DiskLimitBytes,
            launch.Environment,
            launch.Files,
            launch.DotfilesRepository,
            launch.Editor,
            launch.RepositoryNetwork is { AllowedHosts.Count: 0, AllowedNetworks.Count: 0 } ? null : launch.RepositoryNetwork,
            launch.Languages,
            launch.Telemetry,
            launch.Prebuild,
            sandboxed ? SandboxCommand.InsideNetworkReadyFile : null);

        // Before the sandbox, which shows the kubeconfig's directory (and gives it to the workspace's user).
        var kube = await clusterAccess.PrepareAsync(launch.WorkspaceId, launch.ClusterAccess, sandboxed ? SandboxCommand.InsideKubeDirectory : null, cancellationToken);
        IReadOnlyList<string> command = [_options.AgentPath, "--bootstrap-stdin", $"--workspace={launch.WorkspaceId}"];
        if (sandboxed)
        {
            command = await sandbox.PrepareAsync(launch.WorkspaceId, layout, [launch.RepositoryUrl, launch.DotfilesRepository], command, launch.Telemetry?.OtlpEndpoint, kube, cancellationToken);
        }

        using var process = Launch(layout, command, sandboxed, kube);
        LogLaunching(launch.WorkspaceId, process.Id, sandboxed);
        await using (var stdin = process.StandardInput.BaseStream)
        {
            await JsonSerializer.SerializeAsync(stdin, bootstrap, AgentJson.Options, cancellationToken);
        }

        var deadline = timeProvider.GetUtcNow() + _options.StartTimeout;
        while (true)
        {
            var info = ReadRuntimeInfo(layout);
            if (info is not null && info.ProcessId == process.Id)
            {
                LogListening(launch.WorkspaceId, info.Url);
                return new RuntimeObservation(launch.WorkspaceId, RuntimeState.Running, new Uri(info.Url), info.StartedAt, null);
            }

            // Inside its sandbox the agent has another pid: it is the launcher's descendant running the agent executable.
            if (sandboxed && info is not null && FindSandboxedAgent(process.Id, launch.WorkspaceId) is { } agentPid)
            {
                var record = new SandboxRuntimeInfo(launch.WorkspaceId, process.Id, agentPid, SandboxRuntimeInfo.AgentUrl(launch.WorkspaceId).AbsoluteUri, info.StartedAt);
                record.Write(SandboxInfoPath(launch.WorkspaceId));
                LogListening(launch.WorkspaceId, record.Url);
                return new RuntimeObservation(launch.WorkspaceId, RuntimeState.Running, new Uri(record.Url), record.StartedAt, null);
            }

            if (process.HasExited)
            {
                throw new WorkspaceRuntimeException($"The workspace agent exited with code {process.ExitCode} before it was ready. {ReadLogTail(layout)}".Trim());
            }

            if (timeProvider.GetUtcNow() > deadline)
            {
                await KillAsync(process.Id, launch.WorkspaceId, TimeSpan.Zero, cancellationToken);
                throw new WorkspaceRuntimeException($"The workspace agent did not start within {_options.StartTimeout.TotalSeconds:0} seconds. {ReadLogTail(layout)}".Trim());
            }

            await Task.Delay(PollInterval, timeProvider, cancellationToken);
        }
    }

    public async Task StopAsync(string workspaceId, CancellationToken cancellationToken)
    {
        using var _ = await _locks.AcquireAsync(workspaceId, cancellationToken);
        var layout = Layout(workspaceId);
        if (SandboxRuntimeInfo.Read(SandboxInfoPath(workspaceId)) is { } sandboxed)
        {
            if (IsAgentRunning(sandboxed.AgentProcessId, workspaceId))
            {
                LogStopping(workspaceId, sandboxed.AgentProcessId);
                await KillAsync(sandboxed.AgentProcessId, workspaceId, _options.StopGracePeriod, cancellationToken);
            }

            // The supervisor, bubblewrap and pasta end with the agent; should one linger, it goes too.
            if (ProcessSignals.IsRunning(sandboxed.LauncherProcessId, AgentMarker, $"--workspace={workspaceId}"))
            {
                ProcessSignals.Send(sandboxed.LauncherProcessId, ProcessSignals.SigKill);
            }

            KillLingeringPasta(workspaceId);
        }
        else if (ReadRuntimeInfo(layout) is { } info && IsAgentRunning(info) && ProcessSignals.SharesPidNamespace(info.ProcessId))
        {
            LogStopping(workspaceId, info.ProcessId);
            await KillAsync(info.ProcessId, workspaceId, _options.StopGracePeriod, cancellationToken);
        }

        File.Delete(layout.RuntimeFile);
        File.Delete(SandboxInfoPath(workspaceId));
        await clusterAccess.RevokeAsync(workspaceId, cancellationToken);
    }

    public async Task DeleteAsync(string workspaceId, CancellationToken cancellationToken)
    {
        await StopAsync(workspaceId, cancellationToken);
        // First: while its namespace terminates (and throws), the workspace's files stay and the delete is tried again.
        await clusterAccess.DeleteAsync(workspaceId, cancellationToken);
        var dir = Layout(workspaceId).WorkspaceDirectory;
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
            LogDeleted(workspaceId, dir);
        }

        File.Delete(WorkspaceSandbox.UidFile(_options.WorkspacesDirectory, workspaceId));
        var identity = WorkspaceSandbox.IdentityDirectory(_options.WorkspacesDirectory, workspaceId);
        if (Directory.Exists(identity))
        {
            Directory.Delete(identity, recursive: true);
        }
    }

    /// <summary>
    /// pasta dies with its sandbox's supervisor; should it not (its supervisor killed before it was tied to it), it is
    /// found by its pid file, which only pasta writes, and only a process whose command line names that file is signalled.
    /// </summary>
    private void KillLingeringPasta(string workspaceId)
    {
        var pidFile = WorkspaceSandbox.NetworkReadyFile(_options.WorkspacesDirectory, workspaceId);
        try
        {
            if (int.TryParse(File.ReadAllText(pidFile).Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid)
                && ProcessSignals.IsRunning(pid, "--pid", pidFile))
            {
                ProcessSignals.Send(pid, ProcessSignals.SigKill);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No pid file: pasta never got as far as serving the namespace, and ended with its supervisor.
        }
    }

    private WorkspaceLayout Layout(string workspaceId, string checkoutDirectoryName = "") =>
        new(Path.Combine(_options.WorkspacesDirectory, workspaceId), checkoutDirectoryName);

    private string SandboxInfoPath(string workspaceId) => SandboxRuntimeInfo.PathFor(_options.WorkspacesDirectory, workspaceId);

    private static Process Launch(WorkspaceLayout layout, IReadOnlyList<string> command, bool sandboxed, LocalKubeconfig? kube)
    {
        // sh redirects the agent's output to its log file and exec's setsid, which gives the agent (or its sandbox) its own
        // session: Ctrl+C on the web app or the web app's death does not reach it.
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = layout.WorkspaceDirectory,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("log=$1; shift; exec setsid \"$@\" >>\"$log\" 2>&1");
        start.ArgumentList.Add("sh");
        start.ArgumentList.Add(layout.AgentLogFile);
        foreach (var argument in command)
        {
            start.ArgumentList.Add(argument);
        }

        if (sandboxed)
        {
            WorkspaceSandbox.SetEnvironment(start.Environment, layout);
        }
        else
        {
            // The web app's own runtime settings are not the agent's (nor those of the programs it starts for the user):
            // inline socket completions, which the web app turns on for itself, measured slower in the agent.
            foreach (var name in new[] { "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS" })
            {
                start.Environment.Remove(name);
            }
        }

        // The agent's environment is its tasks' and terminals': kubectl, helm and skaffold find the workspace's cluster.
        start.Environment.Remove("KUBECONFIG");
        if (kube is not null)
        {
            start.Environment["KUBECONFIG"] = kube.InsidePath;
        }

        return Process.Start(start) ?? throw new WorkspaceRuntimeException("The workspace agent could not be launched.");
    }

    /// <summary>The agent among the sandbox launcher's descendants: the first (shallowest) running the agent executable for this workspace.</summary>
    private int? FindSandboxedAgent(int launcherPid, string workspaceId)
    {
        foreach (var pid in ProcessSignals.Descendants(launcherPid))
        {
            if (ProcessSignals.CommandLine(pid) is [var executable, .. var rest] && executable == _options.AgentPath && rest.Contains($"--workspace={workspaceId}"))
            {
                return pid;
            }
        }

        return null;
    }

    // The pid in agent.json may have been reused by any process since (a build, a test run): only a process started with
    // this workspace's --workspace argument is its agent. Signalling anything else would kill a stranger.
    private static bool IsAgentRunning(AgentRuntimeInfo info) => IsAgentRunning(info.ProcessId, info.WorkspaceId);

    private static bool IsAgentRunning(int pid, string workspaceId) => ProcessSignals.IsRunning(pid, AgentMarker, $"--workspace={workspaceId}");

    private async Task KillAsync(int pid, string workspaceId, TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        ProcessSignals.Send(pid, ProcessSignals.SigTerm);
        var deadline = timeProvider.GetUtcNow() + gracePeriod;
        while (timeProvider.GetUtcNow() < deadline)
        {
            if (!IsAgentRunning(pid, workspaceId))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), timeProvider, cancellationToken);
        }

        if (!IsAgentRunning(pid, workspaceId))
        {
            return;
        }

        // The agent did not stop its tasks in time: kill it and everything below it, so no task outlives its workspace.
        var descendants = ProcessSignals.Descendants(pid);
        ProcessSignals.Send(pid, ProcessSignals.SigKill);
        foreach (var child in descendants)
        {
            ProcessSignals.Send(child, ProcessSignals.SigKill);
        }

        LogKilled(pid, descendants.Count);
    }

    private static AgentRuntimeInfo? ReadRuntimeInfo(WorkspaceLayout layout)
    {
        try
        {
            using var stream = File.OpenRead(layout.RuntimeFile);
            return JsonSerializer.Deserialize<AgentRuntimeInfo>(stream, AgentJson.Options);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The agent's last log lines, to explain a failed start or an unexpected exit.</summary>
    private static string? ReadLogTail(WorkspaceLayout layout, int maxBytes = 2048)
    {
        try
        {
            using var stream = File.OpenRead(layout.AgentLogFile);
            stream.Seek(Math.Max(0, stream.Length - maxBytes), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd().Trim();
            return text.Length == 0 ? null : text;
        }
        catch (IOException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Launching the agent of workspace {WorkspaceId} as process {ProcessId} (sandboxed: {Sandboxed})")]
    private partial void LogLaunching(string workspaceId, int processId, bool sandboxed);

    [LoggerMessage(Level = LogLevel.Information, Message = "The agent of workspace {WorkspaceId} listens at {AgentUrl}")]
    private partial void LogListening(string workspaceId, string agentUrl);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping the agent of workspace {WorkspaceId} (process {ProcessId})")]
    private partial void LogStopping(string workspaceId, int processId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Killed agent process {ProcessId} and {DescendantCount} processes below it after the grace period")]
    private partial void LogKilled(int processId, int descendantCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted workspace {WorkspaceId} at {Directory}")]
    private partial void LogDeleted(string workspaceId, string directory);
}
