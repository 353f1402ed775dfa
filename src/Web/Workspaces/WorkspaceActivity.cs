using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Workspaces;

namespace Workspaces.Web.Workspaces;

/// <summary>
/// Records that someone uses a workspace (an open workspace page, an editor or terminal, an API action), which keeps it
/// from being stopped as idle. Writes at most once a minute per workspace.
/// </summary>
public sealed class WorkspaceActivity(IDbContextFactory<WorkspacesDbContext> dbFactory, TimeProvider timeProvider)
{
    private static readonly TimeSpan Resolution = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastWritten = new(StringComparer.Ordinal);

    public async Task TouchAsync(string workspaceId, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (_lastWritten.TryGetValue(workspaceId, out var last) && now - last < Resolution)
        {
            return;
        }

        _lastWritten[workspaceId] = now;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Workspaces.Where(w => w.Id == workspaceId && w.DesiredState == DesiredState.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(w => w.LastActiveAt, now), cancellationToken);
    }
}
