namespace Workspaces.TerminalLatency;

/// <summary>Disposes what was added, last first.</summary>
internal sealed class AsyncDisposables : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _items = [];

    public void Add(IAsyncDisposable item) => _items.Add(item);

    public async ValueTask DisposeAsync()
    {
        for (var i = _items.Count - 1; i >= 0; i--)
        {
            await _items[i].DisposeAsync();
        }
    }
}
