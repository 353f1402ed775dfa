using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.WorkspaceController.Local;

/// <summary>
/// The embedded default: each workspace is a directory under <see cref="LocalRuntimeOptions.WorkspacesDirectory"/> and
/// its agent a process in its own session, so agents outlive a restart of the web app and are adopted again afterwards.
/// </summary>
public sealed partial class LocalProcessRuntime(
    IOptions<LocalRuntimeOptions> options,
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

        var info = ReadRuntimeInfo(layout);
        if (info is not null && IsAgentRunning(info))
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
        foreach (var dir in Directory.EnumerateDirectories(_options.WorkspacesDirectory))
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

        var bootstrap = new AgentBootstrap(
            launch.WorkspaceId,
            launch.RepositoryUrl,
            launch.Ref,
            layout.WorkspaceDirectory,
            launch.CheckoutDirectoryName,
            launch.AgentSecret,
            launch.GitCredential,
            "http://127.0.0.1:0",
            _options.DiskLimitBytes,
            launch.Environment,
            launch.Files,
            launch.DotfilesRepository,
            launch.Editor,
            launch.RepositoryNetwork is { AllowedHosts.Count: 0, AllowedNetworks.Count: 0 } ? null : launch.RepositoryNetwork,
            launch.Languages,
            launch.Telemetry);

        var process = Launch(layout);
        LogLaunching(launch.WorkspaceId, process.Id);
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
        var info = ReadRuntimeInfo(layout);
        if (info is not null && IsAgentRunning(info))
        {
            LogStopping(workspaceId, info.ProcessId);
            await KillAsync(info.ProcessId, workspaceId, _options.StopGracePeriod, cancellationToken);
        }

        File.Delete(layout.RuntimeFile);
    }

    public async Task DeleteAsync(string workspaceId, CancellationToken cancellationToken)
    {
        await StopAsync(workspaceId, cancellationToken);
        var dir = Layout(workspaceId).WorkspaceDirectory;
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
            LogDeleted(workspaceId, dir);
        }
    }

    private WorkspaceLayout Layout(string workspaceId, string checkoutDirectoryName = "") =>
        new(Path.Combine(_options.WorkspacesDirectory, workspaceId), checkoutDirectoryName);

    private Process Launch(WorkspaceLayout layout)
    {
        // sh redirects the agent's output to its log file and exec's setsid, which gives the agent its own session:
        // Ctrl+C on the web app or the web app's death does not reach it.
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = layout.WorkspaceDirectory,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec setsid \"$0\" --bootstrap-stdin --workspace=\"$1\" >>\"$2\" 2>&1");
        start.ArgumentList.Add(_options.AgentPath);
        start.ArgumentList.Add(Path.GetFileName(layout.WorkspaceDirectory));
        start.ArgumentList.Add(layout.AgentLogFile);
        // The web app's own runtime settings are not the agent's (nor those of the programs it starts for the user):
        // inline socket completions, which the web app turns on for itself, measured slower in the agent.
        foreach (var name in new[] { "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS" })
        {
            start.Environment.Remove(name);
        }

        return Process.Start(start) ?? throw new WorkspaceRuntimeException("The workspace agent could not be launched.");
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Launching the agent of workspace {WorkspaceId} as process {ProcessId}")]
    private partial void LogLaunching(string workspaceId, int processId);

    [LoggerMessage(Level = LogLevel.Information, Message = "The agent of workspace {WorkspaceId} listens at {AgentUrl}")]
    private partial void LogListening(string workspaceId, string agentUrl);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping the agent of workspace {WorkspaceId} (process {ProcessId})")]
    private partial void LogStopping(string workspaceId, int processId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Killed agent process {ProcessId} and {DescendantCount} processes below it after the grace period")]
    private partial void LogKilled(int processId, int descendantCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted workspace {WorkspaceId} at {Directory}")]
    private partial void LogDeleted(string workspaceId, string directory);
}
