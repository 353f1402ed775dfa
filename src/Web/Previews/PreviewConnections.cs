using System.Collections.Concurrent;

namespace Workspaces.Web.Previews;

public enum PreviewAccessKind
{
    Owner,
    Public,
    ShareLink,
}

/// <summary>
/// The preview requests in flight (long polls, SSE streams, WebSockets), so that taking access away takes effect at once:
/// revoking a share link aborts the connections it let in, making a port private aborts the public ones.
/// </summary>
public sealed class PreviewConnections
{
    private readonly ConcurrentDictionary<Entry, byte> _open = new();

    public IDisposable Register(HttpContext context, PreviewHost preview, PreviewAccessKind kind, string? linkId)
    {
        var entry = new Entry(context, preview, kind, linkId, this);
        _open.TryAdd(entry, 0);
        return entry;
    }

    public int CutShareLink(string linkId) => Cut(e => e.Kind == PreviewAccessKind.ShareLink && e.LinkId == linkId);

    public int CutPublic(string workspaceId, int port) => Cut(e => e.Kind == PreviewAccessKind.Public && e.Preview == new PreviewHost(port, workspaceId));

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

    private sealed class Entry(HttpContext context, PreviewHost preview, PreviewAccessKind kind, string? linkId, PreviewConnections owner) : IDisposable
    {
        public HttpContext Context { get; } = context;

        public PreviewHost Preview { get; } = preview;

        public PreviewAccessKind Kind { get; } = kind;

        public string? LinkId { get; } = linkId;

        public void Dispose() => owner._open.TryRemove(this, out _);
    }
}
