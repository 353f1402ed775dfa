using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.WorkspaceController.Local.ClusterAccess;

/// <summary>
/// Every <see cref="LocalClusterAccessOptions.CheckInterval"/>: renews the tokens of running workspaces that are due,
/// revokes those of workspaces whose agent is gone, reports full quotas (<see cref="LocalClusterAccess.CheckAsync"/>).
/// Runs in whichever process runs the local runtime; after a restart it picks up where the files say.
/// </summary>
public sealed partial class LocalClusterAccessRenewer(
    LocalClusterAccess access,
    IWorkspaceRuntime runtime,
    IOptions<LocalClusterAccessOptions> options,
    TimeProvider timeProvider,
    ILogger<LocalClusterAccessRenewer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Configured)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await access.CheckAsync(async (id, ct) => (await runtime.ObserveAsync(id, ct)).State == RuntimeState.Running, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogPassFailed(e);
            }

            try
            {
                await Task.Delay(options.Value.CheckInterval, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A pass over the workspaces' cluster access failed")]
    private partial void LogPassFailed(Exception exception);
}
