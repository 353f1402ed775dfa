using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Shared.Threading;
using Workspaces.Web.Workspaces;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.Web.Previews;

/// <summary>
/// Tells open Ports panels (and the proxy's cache) that a workspace's Services changed: the runtime's event is turned
/// into a change of the status feed. A bounded queue of workspace ids that drops repeats: a change only says "look again".
/// </summary>
public sealed partial class ServicePreviewChanges(
    IWorkspaceServices services,
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    WorkspaceStatusFeed feed,
    ILogger<ServicePreviewChanges> logger) : BackgroundService
{
    private readonly Channel<string> _changed = Channel.CreateBounded<string>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await ThreadPoolSynchronizationContext.Instance.SwitchTo();
        services.ServicesChanged += OnChanged;
        try
        {
            while (await _changed.Reader.WaitToReadAsync(stoppingToken))
            {
                var batch = new HashSet<string>(StringComparer.Ordinal);
                while (_changed.Reader.TryRead(out var id))
                {
                    batch.Add(id);
                }

                try
                {
                    await using var db = await dbFactory.CreateDbContextAsync(stoppingToken);
                    var owners = await db.Workspaces.AsNoTracking().Where(w => batch.Contains(w.Id)).Select(w => new { w.Id, w.OwnerId }).ToListAsync(stoppingToken);
                    foreach (var workspace in owners)
                    {
                        feed.PublishUpdated(workspace.Id, workspace.OwnerId);
                    }
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // The panels catch up at their next change; the proxy reads the runtime's cache on every request anyway.
                    LogPublishFailed(e, batch.Count);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            services.ServicesChanged -= OnChanged;
        }
    }

    private void OnChanged(string workspaceId) => _changed.Writer.TryWrite(workspaceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telling pages that the Services of {Count} workspaces changed failed")]
    private partial void LogPublishFailed(Exception exception, int count);
}
