using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workspaces.Data;
using Workspaces.Data.Prebuilds;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.Web.Prebuilds;

/// <summary>
/// Runs queued prebuilds, at most <see cref="PrebuildOptions.MaxConcurrent"/> at a time, and collects old ones. At
/// start-up a prebuild left running by a previous process is failed cleanly (its headless workspace removed) and the
/// queued ones are queued again: nothing stays "running" forever.
/// </summary>
public sealed partial class PrebuildWorker(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    PrebuildQueue queue,
    PrebuildRunner runner,
    PrebuildRetention retention,
    IWorkspaceRuntime runtime,
    PrebuildLogs logs,
    IOptions<PrebuildOptions> options,
    TimeProvider timeProvider,
    ILogger<PrebuildWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RecoverAsync(stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            LogLoopFailed(e);
        }

        var runners = Enumerable.Range(0, options.Value.MaxConcurrent).Select(_ => RunQueueAsync(stoppingToken)).ToList();
        runners.Add(CollectAsync(stoppingToken));
        await Task.WhenAll(runners);
    }

    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        var interrupted = await db.Prebuilds.Where(p => p.Status == PrebuildStatus.Running).Select(p => p.Id).ToListAsync(cancellationToken);
        foreach (var id in interrupted)
        {
            const string message = "The server restarted while this prebuild ran; it was stopped. Run it again.";
            await db.Prebuilds.Where(p => p.Id == id && p.Status == PrebuildStatus.Running).ExecuteUpdateAsync(
                s => s.SetProperty(p => p.Status, PrebuildStatus.Failed).SetProperty(p => p.Message, message).SetProperty(p => p.EndedAt, now), cancellationToken);
            await logs.AppendAsync(id, $"\nFailed: {message}\n", cancellationToken);
            LogInterrupted(id);
            try
            {
                await runtime.DeleteAsync(PrebuildRunner.RuntimeId(id), cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or WorkspaceRuntimeException)
            {
                LogCleanupFailed(e, id);
            }
        }

        foreach (var id in await db.Prebuilds.Where(p => p.Status == PrebuildStatus.Queued).OrderBy(p => p.CreatedAt).Select(p => p.Id).ToListAsync(cancellationToken))
        {
            queue.Add(id);
        }
    }

    private async Task RunQueueAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var id in queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await runner.RunAsync(id, stoppingToken);
                    await retention.CollectAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    LogLoopFailed(e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: a prebuild cut short is failed by the next start.
        }
    }

    private async Task CollectAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RetentionInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await retention.CollectAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    LogLoopFailed(e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Prebuild {PrebuildId} was running when the server stopped; marked failed")]
    private partial void LogInterrupted(string prebuildId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The headless workspace of interrupted prebuild {PrebuildId} could not be removed")]
    private partial void LogCleanupFailed(Exception exception, string prebuildId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The prebuild worker failed; it goes on with the next")]
    private partial void LogLoopFailed(Exception exception);
}
