using Workspaces.Shared.Agent;
using Workspaces.WorkspaceAgent.Status;

namespace Workspaces.WorkspaceAgent.SourceControl;

/// <summary>
/// Keeps the Git summary of the agent status (uncommitted changes, unpushed commits) current for the dashboard: checked
/// once the workspace is ready, then every <see cref="Interval"/>, and soon after a source control operation.
/// </summary>
public sealed partial class GitSummaryService(GitRepository git, AgentStatusStore status, TimeProvider time, ILogger<GitSummaryService> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);

    /// <summary>At most one check this often, however often files change (a build writing thousands of files).</summary>
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(3);

    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Check again now (after a commit, a push, a switch of branch, a change on disk), or after <see cref="MinimumInterval"/>.</summary>
    public void RefreshSoon() => Volatile.Read(ref _wake).TrySetResult();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Nothing to count until the clone is there.
        while (status.Current.Phase is not (WorkspacePhase.RunningTasks or WorkspacePhase.Ready) && !stoppingToken.IsCancellationRequested)
        {
            var version = status.Current.Version;
            await status.WaitForChangeAsync(version, TimeSpan.FromMinutes(1), stoppingToken);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            try
            {
                status.SetGit(await git.SummaryAsync(stoppingToken));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogCheckFailed(ex);
            }

            try
            {
                await Task.Delay(MinimumInterval, time, stoppingToken);
                await Volatile.Read(ref _wake).Task.WaitAsync(Interval - MinimumInterval, time, stoppingToken);
            }
            catch (TimeoutException)
            {
                // Time for the periodic check.
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking the Git summary failed")]
    private partial void LogCheckFailed(Exception exception);
}
