namespace Workspaces.Web.Workspaces;

/// <summary>
/// Follows the live feed for a page: changes only mark the page stale; a pump refreshes it at most every 150 ms,
/// so a clone reporting progress fifty times a second costs the page a handful of renders.
/// </summary>
public sealed partial class LiveWorkspaces : IAsyncDisposable
{
    private static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(150);
    private readonly CancellationTokenSource _cancellation = new();
    private readonly List<Task> _loops = [];
    private volatile bool _stale;

    /// <summary>Follows <paramref name="changes"/> (a page's client's change stream), calling <paramref name="refresh"/> after each batch.</summary>
    public void Start(Func<CancellationToken, IAsyncEnumerable<WorkspaceChange>> changes, Func<Task> refresh, ILogger logger, TimeSpan? alsoEvery = null)
    {
        var token = _cancellation.Token;
        _loops.Add(Task.Run(async () =>
        {
            await foreach (var _ in changes(token))
            {
                _stale = true;
            }
        }, token));
        _loops.Add(Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(BatchInterval);
            var sinceRefresh = TimeSpan.Zero;
            while (await timer.WaitForNextTickAsync(token))
            {
                sinceRefresh += BatchInterval;
                if (_stale || (alsoEvery is { } every && sinceRefresh >= every))
                {
                    _stale = false;
                    sinceRefresh = TimeSpan.Zero;
                    try
                    {
                        await refresh();
                    }
                    catch (Exception e) when (!token.IsCancellationRequested)
                    {
                        // One failed refresh must not end the page's live updates for good; the next change or tick retries.
                        LogRefreshFailed(logger, e);
                    }
                }
            }
        }, token));
    }

    public async ValueTask DisposeAsync()
    {
        await _cancellation.CancelAsync();
        try
        {
            await Task.WhenAll(_loops);
        }
        catch (OperationCanceledException)
        {
            // Expected on dispose.
        }

        _cancellation.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing a live page failed; it tries again on the next change")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
