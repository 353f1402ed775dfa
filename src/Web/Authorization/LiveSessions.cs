using System.Collections.Concurrent;

namespace Workspaces.Web.Authorization;

/// <summary>
/// The forwarded connections to agents that are open now (terminals), by user and workspace, so that taking access
/// away (a member removed from a team, a share revoked, a user blocked) also cuts what is already attached.
/// </summary>
public sealed partial class LiveSessions(AccessService access, ILogger<LiveSessions> logger)
{
    private readonly ConcurrentDictionary<long, Session> _sessions = new();
    private long _next;

    public int Count => _sessions.Count;

    /// <summary>Registers an open connection; dispose the result when it ends.</summary>
    public IDisposable Register(string userId, string workspaceId, Permission needed, HttpContext context)
    {
        var id = Interlocked.Increment(ref _next);
        _sessions[id] = new Session(userId, workspaceId, needed, context);
        return new Registration(this, id);
    }

    /// <summary>Asks again, for each open connection of <paramref name="userId"/> (everyone's when null), and cuts those no longer allowed.</summary>
    public async Task RecheckAsync(string? userId, CancellationToken cancellationToken)
    {
        foreach (var (id, session) in _sessions.ToArray())
        {
            if (userId is not null && session.UserId != userId)
            {
                continue;
            }

            var found = await access.ForWorkspaceAsync(session.UserId, session.WorkspaceId, cancellationToken);
            if (found is null || !found.Can(session.Needed))
            {
                LogCut(session.UserId, session.WorkspaceId);
                session.Context.Abort();
                _sessions.TryRemove(id, out _);
            }
        }
    }

    /// <summary>Cuts the open connections of <paramref name="userId"/> that <paramref name="applies"/> to and that are no longer <paramref name="valid"/> (an ended browser session).</summary>
    public async Task CutAsync(string userId, Func<HttpContext, bool> applies, Func<HttpContext, CancellationToken, Task<bool>> valid, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(applies);
        ArgumentNullException.ThrowIfNull(valid);
        foreach (var (id, session) in _sessions.ToArray())
        {
            if (session.UserId == userId && applies(session.Context) && !await valid(session.Context, cancellationToken))
            {
                LogCut(session.UserId, session.WorkspaceId);
                session.Context.Abort();
                _sessions.TryRemove(id, out _);
            }
        }
    }

    private sealed record Session(string UserId, string WorkspaceId, Permission Needed, HttpContext Context);

    private sealed class Registration(LiveSessions owner, long id) : IDisposable
    {
        public void Dispose() => owner._sessions.TryRemove(id, out _);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cut the connection of user {UserId} to workspace {WorkspaceId}: access was taken away")]
    private partial void LogCut(string userId, string workspaceId);
}
