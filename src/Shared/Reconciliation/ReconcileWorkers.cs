namespace Workspaces.Shared.Reconciliation;

/// <summary>What becomes of a key whose reconcile threw.</summary>
public enum FailedKeys
{
    /// <summary>Queued again after its key's next back-off (the controller: it has nothing else that brings a key back soon).</summary>
    RetryWithBackoff,

    /// <summary>Left to the next periodic resync, so a persistent failure makes no tight loop (the web app).</summary>
    LeaveToResync,
}

/// <summary>
/// The worker loop of both reconcilers (the web app's over workspace records, the controller's over Workspace
/// resources): a few workers take keys from one <see cref="WorkQueue"/>, reconcile each, and hand it back as the
/// result says; one failing key never stops a worker.
/// </summary>
public static class ReconcileWorkers
{
    /// <summary>Runs <paramref name="workers"/> workers until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="reconcile">One level-triggered pass over a key.</param>
    /// <param name="failed">Told of a pass that threw and when the key comes back (null: at the next resync); it logs.</param>
    public static Task RunAsync(
        WorkQueue queue,
        int workers,
        Func<string, CancellationToken, Task<ReconcileResult>> reconcile,
        FailedKeys onFailure,
        Action<string, Exception, TimeSpan?> failed,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        return Task.WhenAll(Enumerable.Range(0, workers).Select(_ => WorkAsync(queue, reconcile, onFailure, failed, cancellationToken)));
    }

    private static async Task WorkAsync(
        WorkQueue queue,
        Func<string, CancellationToken, Task<ReconcileResult>> reconcile,
        FailedKeys onFailure,
        Action<string, Exception, TimeSpan?> failed,
        CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            string key;
            try
            {
                key = await queue.TakeAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (System.Threading.Channels.ChannelClosedException)
            {
                return;
            }

            try
            {
                var result = await reconcile(key, cancellationToken);
                queue.Forget(key);
                if (result.RequeueAfter is { } delay)
                {
                    queue.AddAfter(key, delay);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failed(key, e, onFailure == FailedKeys.RetryWithBackoff ? queue.AddRateLimited(key) : null);
            }
            finally
            {
                queue.Done(key);
            }
        }
    }
}
