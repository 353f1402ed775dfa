using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Workspaces.Shared.Reconciliation;

namespace Workspaces.WorkspaceController.Kubernetes.Controller;

/// <summary>
/// List, then watch from the list's resourceVersion, keeping a cache of every object by name. Bookmarks move the
/// resourceVersion on; a 410 Gone (the version was compacted away) re-lists, and the objects that vanished meanwhile are
/// reported deleted. Each change is handed to <see cref="Changed"/> (the controller enqueues the object's key).
/// resourceVersions are opaque (the API's contract): never compared by size, only for equality. A writer's own result
/// (<see cref="Update"/>) stays cached until the watch delivers that very version; watch events before it are older.
/// </summary>
public sealed partial class ResourceInformer<TItem, TList>(
    string description,
    Func<string?, bool, CancellationToken, Task<HttpOperationResponse<TList>>> listOrWatch,
    Func<TList, (string? ResourceVersion, IEnumerable<TItem> Items)> unpack,
    TimeProvider timeProvider,
    ILogger logger)
    where TItem : class, IKubernetesObject<V1ObjectMeta>
{
    private const int RememberedVersions = 8;
    private readonly ConcurrentDictionary<string, TItem> _cache = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Versions written through <see cref="Update"/> that the watch has not delivered yet, with the list generation they were written in.</summary>
    private readonly Dictionary<string, (string Version, long ListGeneration)> _pending = new(StringComparer.Ordinal);

    /// <summary>The last few versions the list or watch delivered per object: an <see cref="Update"/> with one of them is not news.</summary>
    private readonly Dictionary<string, Queue<string>> _delivered = new(StringComparer.Ordinal);
    private long _listGeneration;
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Drops what the consumer never reads before an object is cached (memory per workspace).</summary>
    public Func<TItem, TItem>? Trim { get; init; }

    /// <summary>The cache's key of an object: its name (one namespace), or namespace/name for a watch across namespaces.</summary>
    public Func<TItem, string> KeyOf { get; init; } = item => item.Metadata.Name;

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
        var name = KeyOf(item);
        var version = item.Metadata.ResourceVersion ?? "";
        lock (_gate)
        {
            if (_delivered.TryGetValue(name, out var seen) && seen.Contains(version))
            {
                // The watch delivered it already: the cache holds it or something newer.
                return;
            }

            _cache[name] = item;
            _pending[name] = (version, _listGeneration);
        }
    }

    /// <summary>Stores what the watch or a list delivered, unless a write of ours is newer; false when the cache kept the write.</summary>
    private bool Deliver(TItem item, bool fromList, long listGeneration, out TItem? old)
    {
        var name = KeyOf(item);
        var version = item.Metadata.ResourceVersion ?? "";
        if (!_delivered.TryGetValue(name, out var seen))
        {
            _delivered[name] = seen = new Queue<string>(RememberedVersions);
        }

        if (seen.Count == RememberedVersions)
        {
            seen.Dequeue();
        }

        seen.Enqueue(version);
        _cache.TryGetValue(name, out old);
        if (_pending.TryGetValue(name, out var pending))
        {
            // A list issued after the write saw it (or newer); otherwise only the write's own version catches up.
            var caughtUp = pending.Version == version || (fromList && pending.ListGeneration < listGeneration);
            if (!caughtUp)
            {
                return false;
            }

            _pending.Remove(name);
        }

        _cache[name] = item;
        return true;
    }

    private void Forget(string name)
    {
        _pending.Remove(name);
        _delivered.Remove(name);
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
                await DelayAsync(Backoff.Default.Delay(failures), cancellationToken);
            }
        }
    }

    private async Task<string?> ListAsync(CancellationToken cancellationToken)
    {
        long listGeneration;
        lock (_gate)
        {
            listGeneration = ++_listGeneration;
        }

        using var response = await listOrWatch(null, false, cancellationToken);
        var (resourceVersion, items) = unpack(response.Body);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (var listed in items)
            {
                var item = Trim is null ? listed : Trim(listed);
                seen.Add(KeyOf(item));
                if (Deliver(item, fromList: true, listGeneration, out var old) && (old is null || old.Metadata.ResourceVersion != item.Metadata.ResourceVersion))
                {
                    Changed?.Invoke(old, item);
                }
            }

            // Gone since the last list, unless a writer put it in (Update) after this list began.
            foreach (var name in _cache.Keys.Where(n => !seen.Contains(n)).ToList())
            {
                if (_pending.TryGetValue(name, out var pending) && pending.ListGeneration >= listGeneration)
                {
                    continue;
                }

                Forget(name);
                if (_cache.TryRemove(name, out var candidate))
                {
                    Changed?.Invoke(candidate, null);
                }
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
        await foreach (var (type, received) in watch)
        {
            var item = Trim is null || type == WatchEventType.Bookmark ? received : Trim(received);
            var version = item.Metadata?.ResourceVersion;
            switch (type)
            {
                case WatchEventType.Bookmark:
                    break;
                case WatchEventType.Deleted:
                    lock (_gate)
                    {
                        Forget(KeyOf(item));
                        if (_cache.TryRemove(KeyOf(item), out var removed))
                        {
                            Changed?.Invoke(removed, null);
                        }
                    }

                    break;
                case WatchEventType.Added or WatchEventType.Modified:
                    lock (_gate)
                    {
                        if (Deliver(item, fromList: false, 0, out var old))
                        {
                            Changed?.Invoke(old, item);
                        }
                    }

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

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) => await Task.Delay(delay, timeProvider, cancellationToken);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Listed {Count} {Description} at resourceVersion {ResourceVersion}")]
    private partial void LogListed(string description, int count, string? resourceVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "The watch of {Description} is too old (410 Gone); listing again")]
    private partial void LogGone(string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watching {Description} failed ({Failures} in a row); retrying")]
    private partial void LogWatchFailed(Exception exception, string description, int failures);
}
