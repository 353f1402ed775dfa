using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Workspaces.WorkspaceController.Kubernetes.Controller;

/// <summary>
/// List, then watch from the list's resourceVersion, keeping a cache of every object by name. Bookmarks move the
/// resourceVersion on; a 410 Gone (the version was compacted away) re-lists, and the objects that vanished meanwhile are
/// reported deleted. Each change is handed to <see cref="Changed"/> (the controller enqueues the object's key).
/// </summary>
public sealed partial class ResourceInformer<TItem, TList>(
    string description,
    Func<string?, bool, CancellationToken, Task<HttpOperationResponse<TList>>> listOrWatch,
    Func<TList, (string? ResourceVersion, IEnumerable<TItem> Items)> unpack,
    TimeProvider timeProvider,
    ILogger logger)
    where TItem : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<string, TItem> _cache = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Called with the previous and the new object (either may be null) for every change.</summary>
    public Action<TItem?, TItem?>? Changed { get; set; }

    /// <summary>Completes after the first list.</summary>
    public Task Synced => _synced.Task;

    public int Count => _cache.Count;

    public TItem? Get(string name) => _cache.TryGetValue(name, out var item) ? item : null;

    public IReadOnlyCollection<TItem> Snapshot() => [.. _cache.Values];

    /// <summary>Overwrites the cached object with a newer one the caller got from the API (its own write).</summary>
    public void Update(TItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        _cache.AddOrUpdate(item.Metadata.Name, item, (_, existing) => IsNewer(item, existing) ? item : existing);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        string? resourceVersion = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                resourceVersion ??= await ListAsync(cancellationToken);
                _synced.TrySetResult();
                resourceVersion = await WatchAsync(resourceVersion, cancellationToken);
                failures = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                if (IsGone(e))
                {
                    LogGone(description);
                    resourceVersion = null;
                    continue;
                }

                failures++;
                LogWatchFailed(e, description, failures);
                await DelayAsync(Backoff.Jittered(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), failures), cancellationToken);
            }
        }
    }

    private async Task<string?> ListAsync(CancellationToken cancellationToken)
    {
        using var response = await listOrWatch(null, false, cancellationToken);
        var (resourceVersion, items) = unpack(response.Body);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            seen.Add(item.Metadata.Name);
            _cache.TryGetValue(item.Metadata.Name, out var old);
            _cache[item.Metadata.Name] = item;
            if (old is null || old.Metadata.ResourceVersion != item.Metadata.ResourceVersion)
            {
                Changed?.Invoke(old, item);
            }
        }

        foreach (var name in _cache.Keys.Where(n => !seen.Contains(n)).ToList())
        {
            if (_cache.TryRemove(name, out var gone))
            {
                Changed?.Invoke(gone, null);
            }
        }

        LogListed(description, seen.Count, resourceVersion);
        return resourceVersion;
    }

    /// <summary>Watches until the server ends the watch; returns the last resourceVersion seen.</summary>
    private async Task<string?> WatchAsync(string? resourceVersion, CancellationToken cancellationToken)
    {
        Exception? error = null;
        // The one watch in KubernetesClient 21 that takes a resourceVersion for custom resources is marked obsolete without a
        // replacement (GenericClient's watch cannot resume); it is the documented way to watch a list call.
#pragma warning disable CS0618
        var watch = listOrWatch(resourceVersion, true, cancellationToken).WatchAsync<TItem, TList>(e => error ??= e, cancellationToken);
#pragma warning restore CS0618
        await foreach (var (type, item) in watch)
        {
            var version = item.Metadata?.ResourceVersion;
            switch (type)
            {
                case WatchEventType.Bookmark:
                    break;
                case WatchEventType.Deleted:
                    if (_cache.TryRemove(item.Metadata!.Name, out var removed))
                    {
                        Changed?.Invoke(removed, null);
                    }

                    break;
                case WatchEventType.Added or WatchEventType.Modified:
                    _cache.TryGetValue(item.Metadata!.Name, out var old);
                    _cache[item.Metadata.Name] = item;
                    Changed?.Invoke(old, item);
                    break;
            }

            resourceVersion = version ?? resourceVersion;
            if (error is not null)
            {
                break;
            }
        }

        if (error is not null)
        {
            throw error;
        }

        return resourceVersion;
    }

    private static bool IsGone(Exception e) => e switch
    {
        KubernetesException k => k.Status?.Code == (int)HttpStatusCode.Gone,
        HttpOperationException h => h.Response.StatusCode == HttpStatusCode.Gone,
        _ => false,
    };

    private static bool IsNewer(TItem candidate, TItem existing) =>
        long.TryParse(candidate.Metadata.ResourceVersion, out var a) && long.TryParse(existing.Metadata.ResourceVersion, out var b) ? a >= b : true;

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) => await Task.Delay(delay, timeProvider, cancellationToken);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Listed {Count} {Description} at resourceVersion {ResourceVersion}")]
    private partial void LogListed(string description, int count, string? resourceVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "The watch of {Description} is too old (410 Gone); listing again")]
    private partial void LogGone(string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watching {Description} failed ({Failures} in a row); retrying")]
    private partial void LogWatchFailed(Exception exception, string description, int failures);
}
