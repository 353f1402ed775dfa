namespace Workspaces.WorkspaceAgent.Hosting;

/// <summary>
/// Puts the workspace id in front of every log entry's scopes, whatever thread or request wrote it: an agent serves
/// exactly one workspace, so the id belongs to the process rather than to a flow of work.
/// </summary>
internal sealed class WorkspaceScopeProvider(string workspaceId) : IExternalScopeProvider
{
    private readonly LoggerExternalScopeProvider _inner = new();
    private readonly KeyValuePair<string, object?>[] _workspaceScope = [new("WorkspaceId", workspaceId)];

    public void ForEachScope<TState>(Action<object?, TState> callback, TState state)
    {
        callback(new WorkspaceScope(_workspaceScope), state);
        _inner.ForEachScope(callback, state);
    }

    public IDisposable Push(object? state) => _inner.Push(state);

    /// <summary>Formats as <c>WorkspaceId:abc</c> in the console and as a structured field elsewhere.</summary>
    private sealed class WorkspaceScope(KeyValuePair<string, object?>[] values) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => values.Length;

        public KeyValuePair<string, object?> this[int index] => values[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)values).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"WorkspaceId:{values[0].Value}";
    }
}
