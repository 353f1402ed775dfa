using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workspaces.Shared.Reconciliation;
using Workspaces.WorkspaceController.Kubernetes.Controller;

namespace Workspaces.WorkspaceController.Kubernetes.Snapshots;

/// <summary>
/// The snapshot half of a leadership term (<see cref="ControllerOptions.Snapshots"/>): WorkspaceSnapshot and
/// VolumeSnapshot informers, keyed by their shared name, feeding their own work queue and workers, and a periodic
/// resync. Apart from the Workspace loop on purpose: a cluster without the snapshot API or the WorkspaceSnapshot CRD
/// (an upgrade that did not apply crds/) retries its watches here and never holds back workspaces.
/// </summary>
public sealed partial class WorkspaceSnapshotController(
    IKubernetes client,
    WorkspaceSnapshotReconciler reconciler,
    IOptions<ControllerOptions> options,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory,
    ILogger<WorkspaceSnapshotController> logger)
{
    private readonly ControllerOptions _options = options.Value;

    /// <summary>The informers of the current term (null when not leading or not synced yet); for tests and diagnostics.</summary>
    public ResourceInformer<WorkspaceSnapshotResource, WorkspaceSnapshotResourceList>? Snapshots { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var ns = _options.Namespace;
        var snapshots = new ResourceInformer<WorkspaceSnapshotResource, WorkspaceSnapshotResourceList>(
            "workspace snapshots (the WorkspaceSnapshot CRD; after an upgrade apply the chart's crds/)",
            (rv, watch, ct) => client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<WorkspaceSnapshotResourceList>(
                WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, ns, WorkspaceSnapshotResource.Plural,
                allowWatchBookmarks: watch ? true : null, resourceVersion: rv, timeoutSeconds: watch ? WatchTimeoutSeconds() : null, watch: watch, cancellationToken: ct),
            list => (list.Metadata?.ResourceVersion, list.Items),
            timeProvider,
            loggerFactory.CreateLogger("Workspaces.Controller.WorkspaceSnapshotInformer"))
        {
            Trim = snapshot =>
            {
                snapshot.Metadata.ManagedFields = null;
                return snapshot;
            },
        };

        // Every VolumeSnapshot of the namespace: ours, an older web app's (the migration) and foreign ones of a snapshot's name.
        var volumes = new ResourceInformer<VolumeSnapshotResource, VolumeSnapshotResourceList>(
            "volume snapshots (the CSI external-snapshotter's VolumeSnapshot API)",
            (rv, watch, ct) => client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<VolumeSnapshotResourceList>(
                VolumeSnapshotResource.Group, VolumeSnapshotResource.Version, ns, VolumeSnapshotResource.Plural,
                allowWatchBookmarks: watch ? true : null, resourceVersion: rv, timeoutSeconds: watch ? WatchTimeoutSeconds() : null, watch: watch, cancellationToken: ct),
            list => (list.Metadata?.ResourceVersion, list.Items),
            timeProvider,
            loggerFactory.CreateLogger("Workspaces.Controller.VolumeSnapshotInformer"))
        {
            Trim = volume =>
            {
                volume.Metadata.ManagedFields = null;
                return volume;
            },
        };

        using var queue = new WorkQueue(timeProvider, new Backoff(_options.BaseBackoff, _options.MaxBackoff));
        snapshots.Changed = (old, current) => queue.Add((current ?? old)!.Metadata.Name);
        volumes.Changed = (old, current) => queue.Add((current ?? old)!.Metadata.Name);
        var loops = new List<Task> { snapshots.RunAsync(cancellationToken), volumes.RunAsync(cancellationToken) };
        try
        {
            await Task.WhenAll(snapshots.Synced, volumes.Synced).WaitAsync(cancellationToken);
            Snapshots = snapshots;
            loops.Add(ResyncAsync(queue, snapshots, volumes, cancellationToken));
            loops.Add(ReconcileWorkers.RunAsync(
                queue,
                Math.Max(1, _options.Workers / 2),
                (name, ct) => reconciler.ReconcileAsync(ns, name, snapshots, volumes, ct),
                FailedKeys.RetryWithBackoff,
                ReconcileFailed,
                cancellationToken));
            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Task.WhenAll(loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            Snapshots = null;
        }
    }

    /// <summary>Every name again after each ResyncPeriod: a snapshot still pending, a deletion waiting, a legacy VolumeSnapshot.</summary>
    private async Task ResyncAsync(
        WorkQueue queue,
        ResourceInformer<WorkspaceSnapshotResource, WorkspaceSnapshotResourceList> snapshots,
        ResourceInformer<VolumeSnapshotResource, VolumeSnapshotResourceList> volumes,
        CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.ResyncPeriod, timeProvider, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            foreach (var name in snapshots.Snapshot().Select(s => s.Metadata.Name).Concat(volumes.Snapshot().Select(v => v.Metadata.Name)).Distinct(StringComparer.Ordinal))
            {
                queue.Add(name);
            }
        }
    }

    private void ReconcileFailed(string name, Exception e, TimeSpan? retryIn)
    {
        if (KubernetesErrors.IsConflict(e))
        {
            LogConflict(name);
        }
        else
        {
            LogReconcileFailed(e, name, retryIn.GetValueOrDefault());
        }
    }

    private static int WatchTimeoutSeconds() => 300 + Random.Shared.Next(300);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Snapshot {SnapshotName} changed while it was reconciled (409); retrying")]
    private partial void LogConflict(string snapshotName);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reconciling snapshot {SnapshotName} failed; retrying in {Delay}")]
    private partial void LogReconcileFailed(Exception exception, string snapshotName, TimeSpan delay);
}
