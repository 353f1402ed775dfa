using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Workspaces;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.Web.Workspaces;

/// <summary>
/// Records what a runtime without an event list of its own reports (<see cref="IWorkspaceRuntimeEvents"/>: the local
/// runtime's cluster access) in the workspace's events, where its page shows them. A bounded queue: a burst of reports
/// drops the oldest rather than growing the server's memory.
/// </summary>
public sealed partial class RuntimeEventsRecorder(
    IWorkspaceRuntimeEvents events,
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    WorkspaceStatusFeed feed,
    TimeProvider timeProvider,
    ILogger<RuntimeEventsRecorder> logger) : BackgroundService
{
    private readonly Channel<WorkspaceRuntimeEvent> _queue = Channel.CreateBounded<WorkspaceRuntimeEvent>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        events.Reported += Enqueue;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        events.Reported -= Enqueue;
        await base.StopAsync(cancellationToken);
    }

    private void Enqueue(WorkspaceRuntimeEvent reported) => _queue.Writer.TryWrite(reported);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var reported in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await RecordAsync(reported, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogRecordFailed(e, reported.WorkspaceId, reported.Kind);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task RecordAsync(WorkspaceRuntimeEvent reported, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ownerId = await db.Workspaces.Where(w => w.Id == reported.WorkspaceId).Select(w => w.OwnerId).FirstOrDefaultAsync(cancellationToken);
        if (ownerId is null)
        {
            // Deleted meanwhile: nobody to tell.
            return;
        }

        db.WorkspaceEvents.Add(new WorkspaceEvent { WorkspaceId = reported.WorkspaceId, At = timeProvider.GetUtcNow(), Kind = reported.Kind, Message = reported.Message });
        await db.SaveChangesAsync(cancellationToken);
        feed.PublishUpdated(reported.WorkspaceId, ownerId);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording the {Kind} event of workspace {WorkspaceId} failed")]
    private partial void LogRecordFailed(Exception exception, string workspaceId, string kind);
}
