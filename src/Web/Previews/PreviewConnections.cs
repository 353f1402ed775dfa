using System.Collections.Concurrent;

namespace Workspaces.Web.Previews;

public enum PreviewAccessKind
{
    Owner,
    Public,
    ShareLink,

    /// <summary>A member of the workspace's team, through a port with team visibility.</summary>
    Team,
}

/// <summary>
/// The preview requests in flight (long polls, SSE streams, WebSockets), so that taking access away takes effect at once:
/// revoking a share link aborts the connections it let in, making a port private aborts the public ones.
/// </summary>
public sealed class PreviewConnections
{
    private readonly ConcurrentDictionary<Entry, byte> _open = new();

    /// <param name="userId">Who is asking, for the kinds that know (owner, team).</param>
    public IDisposable Register(HttpContext context, PreviewHost preview, PreviewAccessKind kind, string? linkId, string? userId = null)
    {
        var entry = new Entry(context, preview, kind, linkId, userId, this);
        _open.TryAdd(entry, 0);
        return entry;
    }

    public int CutShareLink(string linkId) => Cut(e => e.Kind == PreviewAccessKind.ShareLink && e.LinkId == linkId);

    public int CutPublic(string workspaceId, int port, string? service = null) => Cut(e => e.Kind == PreviewAccessKind.Public && e.Preview == new PreviewHost(port, workspaceId, service));

    /// <summary>The team members' connections to a port that is no longer visible to the team.</summary>
    public int CutTeam(string workspaceId, int port, string? service = null) => Cut(e => e.Kind == PreviewAccessKind.Team && e.Preview == new PreviewHost(port, workspaceId, service));

    /// <summary>A user's team connections (they left the team): <paramref name="stillAllowed"/> says which workspaces they keep.</summary>
    public int CutTeamUser(string userId, Func<string, bool> stillAllowed) =>
        Cut(e => e.Kind == PreviewAccessKind.Team && e.UserId == userId && !stillAllowed(e.Preview.WorkspaceId));

    /// <summary>Everything open to the workspace (it is being stopped or deleted).</summary>
    public int CutWorkspace(string workspaceId) => Cut(e => e.Preview.WorkspaceId == workspaceId);

    private int Cut(Func<Entry, bool> which)
    {
        var cut = 0;
        foreach (var entry in _open.Keys)
        {
            if (which(entry))
            {
                entry.Context.Abort();
                cut++;
            }
        }

        return cut;
    }

    private sealed class Entry(HttpContext context, PreviewHost preview, PreviewAccessKind kind, string? linkId, string? userId, PreviewConnections owner) : IDisposable
    {
        public HttpContext Context { get; } = context;

        public PreviewHost Preview { get; } = preview;

        public PreviewAccessKind Kind { get; } = kind;

        public string? LinkId { get; } = linkId;

        public string? UserId { get; } = userId;

        public void Dispose() => owner._open.TryRemove(this, out _);
    }
}
