using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceAgent.Cloning;
using Workspaces.WorkspaceAgent.Configuration;
using Workspaces.WorkspaceAgent.Dotfiles;
using Workspaces.WorkspaceAgent.Hosting;
using Workspaces.WorkspaceAgent.Ports;
using Workspaces.WorkspaceAgent.SecretFiles;
using Workspaces.WorkspaceAgent.Status;
using Workspaces.WorkspaceAgent.Telemetry;
using Workspaces.WorkspaceAgent.Tasks;
using Workspaces.WorkspaceAgent.Terminals;

namespace Workspaces.WorkspaceAgent.Preparation;

/// <summary>
/// Takes the workspace from a started agent to Ready: announce the listening URL, clone (or keep the existing
/// checkout), read the configuration, start the tasks. Any failure ends in phase Failed with an error the user can act
/// on; the agent keeps serving so the web app can show it (a retry restarts the agent).
/// </summary>
public sealed partial class WorkspacePreparationService(
    AgentBootstrap bootstrap,
    WorkspaceLayout layout,
    AgentStatusStore status,
    RepositoryCloner cloner,
    IWorkspaceConfigSource configSource,
    TaskRunner tasks,
    DotfilesInstaller dotfiles,
    TerminalManager terminals,
    PortWatcher ports,
    Prebuilds.PrebuildCheckout prebuilds,
    IServer server,
    IHostApplicationLifetime lifetime,
    ILogger<WorkspacePreparationService> logger) : BackgroundService
{
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Tell long polls first; then stop preparing (a running clone is cancelled and cleaned up), then end what the
        // tasks started.
        status.EnterPhase(WorkspacePhase.Stopping);
        await base.StopAsync(cancellationToken);
        await tasks.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (!await WaitUntilListeningAsync(stoppingToken))
            {
                return;
            }

            await AnnounceAsync(stoppingToken);
            using var preparing = AgentDiagnostics.StartPhase(bootstrap, "agent.prepare");
            using (AgentDiagnostics.StartPhase(bootstrap, "agent.network"))
            {
                if (!await NetworkReadiness.WaitAsync(bootstrap.NetworkReadyFile, NetworkReadiness.Timeout, stoppingToken))
                {
                    LogNetworkNotReady(logger, bootstrap.NetworkReadyFile!, NetworkReadiness.Timeout.TotalSeconds);
                    status.Fail(new AgentError(
                        AgentErrorCode.AgentFailedToStart,
                        $"The workspace's network did not come up within {NetworkReadiness.Timeout.TotalSeconds:0} seconds.",
                        "Retry the workspace; if it keeps failing, the agent log and the server's log have the details."));
                    return;
                }
            }

            status.EnterPhase(WorkspacePhase.Cloning);
            CloneResult clone;
            using (var cloning = AgentDiagnostics.StartPhase(bootstrap, "agent.clone"))
            {
                // A prebuild kept as an archive (Kubernetes without CSI snapshots) is restored here; without it, a clone.
                var archiveProblem = bootstrap.Prebuild is { FromPrebuildId: not null, ArchiveUrl: { } archive } && !Directory.Exists(layout.CheckoutDirectory)
                    ? await prebuilds.RestoreArchiveAsync(archive, stoppingToken)
                    : null;
                clone = await cloner.EnsureCheckoutAsync(CloneRequest.From(bootstrap), layout, progress => status.ReportCloneProgress(progress), stoppingToken);
                if (archiveProblem is not null && clone.Outcome == CloneOutcome.Cloned)
                {
                    status.SetPrebuild(prebuilds.NotRestored(bootstrap.Prebuild!, archiveProblem));
                }
                else if (clone.Outcome == CloneOutcome.ExistingCheckout && bootstrap.Prebuild is { FromPrebuildId: not null } restored)
                {
                    // A checkout restored from a prebuild: moved to the branch's head, or removed (then cloned) when unusable.
                    var report = await Task.Run(() => prebuilds.UpdateRestored(restored, stoppingToken), stoppingToken);
                    status.SetPrebuild(report);
                    if (!report.Used)
                    {
                        clone = await cloner.EnsureCheckoutAsync(CloneRequest.From(bootstrap), layout, progress => status.ReportCloneProgress(progress), stoppingToken);
                    }
                }
                else if (clone.Outcome is CloneOutcome.Cloned or CloneOutcome.ExistingCheckout && bootstrap.Prebuild is { Headless: true } headless)
                {
                    status.SetPrebuild(prebuilds.PrepareHeadless(headless));
                }

                if (clone.Outcome == CloneOutcome.Failed)
                {
                    cloning.Fail(clone.Error!);
                    preparing.Fail(clone.Error!);
                }
            }

            switch (clone.Outcome)
            {
                case CloneOutcome.Cancelled:
                    return;
                case CloneOutcome.Failed:
                    status.Fail(clone.Error!);
                    return;
            }

            SecretFileWriter.WriteAll(bootstrap, layout);
            if (bootstrap.Prebuild is not { Headless: true })
            {
                await dotfiles.InstallAsync(stoppingToken);
            }

            var config = configSource.Read(layout.CheckoutDirectory);
            status.SetConfig(ConfigSummaries.From(config));
            terminals.UseWorkspaceConfig(config);
            ports.UseWorkspaceConfig(config);
            foreach (var warning in config.Warnings)
            {
                LogConfigWarning(logger, warning);
            }

            foreach (var error in config.Errors)
            {
                LogConfigError(logger, error);
            }

            if (config.Tasks.Count > 0)
            {
                status.EnterPhase(WorkspacePhase.RunningTasks);
                using var starting = AgentDiagnostics.StartPhase(bootstrap, "agent.tasks");
                await tasks.StartAsync(config, stoppingToken);
            }

            if (bootstrap.Prebuild is { Headless: true, ArchiveUrl: { } upload } && status.Current.Tasks.All(t => t.State != TaskRunState.Failed))
            {
                // The prebuild's snapshot is this archive: stored before Ready, which the web app waits for to stop it.
                await prebuilds.UploadArchiveAsync(upload, stoppingToken);
            }

            status.EnterPhase(WorkspacePhase.Ready);
            LogReady(logger, config.Tasks.Count);

            // From here the agent mostly idles, one per workspace: hand back what preparing it took.
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The agent is stopping; StopAsync cleans up.
        }
        catch (Exception ex)
        {
            LogPreparationFailed(logger, ex);
            status.Fail(new AgentError(
                AgentErrorCode.Unknown,
                $"Preparing the workspace failed: {RepositoryUrl.Redact(ex.Message)}",
                "Retry the workspace; if it keeps failing, the agent log has the details."));
        }
    }

    private async Task<bool> WaitUntilListeningAsync(CancellationToken stoppingToken)
    {
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var started = lifetime.ApplicationStarted.Register(() => listening.TrySetResult());
        await listening.Task.WaitAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return listening.Task.IsCompleted;
    }

    private async Task AnnounceAsync(CancellationToken cancellationToken)
    {
        var url = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? bootstrap.ListenUrl;
        var info = new AgentRuntimeInfo(Environment.ProcessId, url, status.Current.AgentStartedAt, bootstrap.WorkspaceId);
        await RuntimeInfoWriter.WriteAsync(layout, info, cancellationToken);
        LogListening(logger, url, layout.RuntimeFile);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent listening on {Url}; runtime info written to {RuntimeFile}")]
    private static partial void LogListening(ILogger logger, string url, string runtimeFile);

    [LoggerMessage(Level = LogLevel.Error, Message = "The sandbox's network helper did not write {ReadyFile} within {Seconds} seconds")]
    private static partial void LogNetworkNotReady(ILogger logger, string readyFile, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workspace configuration: {Warning}")]
    private static partial void LogConfigWarning(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workspace configuration could not be read: {Error}")]
    private static partial void LogConfigError(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace ready ({TaskCount} tasks)")]
    private static partial void LogReady(ILogger logger, int taskCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Preparing the workspace failed")]
    private static partial void LogPreparationFailed(ILogger logger, Exception exception);
}
