using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Audit;

namespace Workspaces.Web.Audit;

/// <summary>
/// Records who did what, when and from where, and reads it back for administrators. Callers pass names and ids only:
/// a secret's key, never its value.
/// </summary>
public sealed partial class AuditLog(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    IHttpContextAccessor httpContext,
    TimeProvider timeProvider,
    ILogger<AuditLog> logger)
{
    public const int PageSize = 200;

    public async Task RecordAsync(string? actorId, string action, string targetKind, string? targetId, string? detail, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var email = actorId is null ? null : await db.Users.Where(u => u.Id == actorId).Select(u => u.Email).FirstOrDefaultAsync(cancellationToken);
            db.AuditEntries.Add(new AuditEntry
            {
                At = timeProvider.GetUtcNow(),
                ActorId = actorId,
                ActorEmail = email,
                Action = action,
                TargetKind = targetKind,
                TargetId = targetId,
                Detail = detail is { Length: > Data.FieldLengths.Message } ? detail[..Data.FieldLengths.Message] : detail,
                RemoteAddress = httpContext.HttpContext?.Connection.RemoteIpAddress?.ToString(),
            });
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (Exception e) when (e is DbUpdateException or InvalidOperationException)
        {
            // The action happened; losing its audit line must not undo it or fail the request. The log keeps the trace.
            LogRecordFailed(e, action, targetKind, targetId);
        }
    }

    public async Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditFilter filter, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.AuditEntries.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.Action))
        {
            var action = filter.Action.Trim();
            query = action.EndsWith('.') ? query.Where(e => e.Action.StartsWith(action)) : query.Where(e => e.Action == action);
        }

        if (!string.IsNullOrWhiteSpace(filter.Actor))
        {
            var actor = filter.Actor.Trim();
            query = query.Where(e => e.ActorId == actor || e.ActorEmail == actor);
        }

        if (!string.IsNullOrWhiteSpace(filter.TargetId))
        {
            var target = filter.TargetId.Trim();
            query = query.Where(e => e.TargetId == target);
        }

        if (filter.Since is { } since)
        {
            query = query.Where(e => e.At >= since);
        }

        if (filter.Until is { } until)
        {
            query = query.Where(e => e.At < until);
        }

        return await query.OrderByDescending(e => e.Id).Take(PageSize).ToListAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record audit entry {Action} on {TargetKind} {TargetId}")]
    private partial void LogRecordFailed(Exception exception, string action, string targetKind, string? targetId);
}

/// <param name="Action">An exact action, or a prefix ending in a dot (<c>team.</c>).</param>
/// <param name="Actor">A user id or email address.</param>
public sealed record AuditFilter(string? Action = null, string? Actor = null, string? TargetId = null, DateTimeOffset? Since = null, DateTimeOffset? Until = null);
