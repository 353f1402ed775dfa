using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workspaces.WorkspaceController.Kubernetes.Controller;
using Workspaces.WorkspaceController.Kubernetes.Resources;
using Workspaces.WorkspaceController.Kubernetes.Runtime;
using Workspaces.WorkspaceController.Kubernetes.Snapshots;
using Workspaces.WorkspaceController.Prebuilds;

namespace Workspaces.WorkspaceController.Kubernetes.Prebuilds;

/// <summary>
/// Prebuilds' snapshots on Kubernetes, as the web app sees them: a <c>WorkspaceSnapshot</c> (<c>prebuild-{id}</c>)
/// asking the controller to snapshot the stopped prebuild workspace's volume with class
/// <see cref="KubernetesPrebuildOptions.VolumeSnapshotClass"/>, read until its status says ready (or why not), and
/// deleted when its prebuild goes (retention, a bad restore, a failed snapshot) or no record points to it. The controller
/// owns the CSI VolumeSnapshot of the same name (<see cref="WorkspaceSnapshotReconciler"/>): the web app has no right on
/// VolumeSnapshots. A new workspace's volume is created from it (<see cref="WorkspaceSpec.VolumeSnapshot"/>). A headless
/// prebuild's pod keeps the agent's state and home on emptyDirs (<see cref="WorkspaceResourceBuilder.Pod"/>), so the
/// volume holds only the checkout when it is snapshotted.
/// </summary>
public sealed partial class VolumeSnapshotPrebuilds(
    IKubernetes client,
    WorkspaceResourceWatch watch,
    IOptions<KubernetesRuntimeOptions> options,
    IOptions<KubernetesPrebuildOptions> prebuildOptions,
    TimeProvider timeProvider,
    ILogger<VolumeSnapshotPrebuilds> logger) : IPrebuildSnapshots
{
    public const string Storage = "volumesnapshot";
    public const string PrebuildLabel = WorkspaceSnapshotDecider.PrebuildLabel;
    public const string ManagedBy = "workspaces-web";
    private const string Group = WorkspaceResource.ApiGroup;
    private const string Version = WorkspaceResource.ApiVersionName;
    private const string Plural = WorkspaceSnapshotResource.Plural;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    private string Namespace => options.Value.Namespace;

    /// <summary>The WorkspaceSnapshot's (and its VolumeSnapshot's) name of a prebuild.</summary>
    public static string Name(string prebuildId) => "prebuild-" + prebuildId;

    public async Task<PrebuildSnapshot> SnapshotAsync(string workspaceId, string checkoutDirectoryName, string prebuildId, long maxBytes, CancellationToken cancellationToken)
    {
        var className = prebuildOptions.Value.VolumeSnapshotClass;
        var name = Name(prebuildId);
        var deadline = timeProvider.GetUtcNow() + prebuildOptions.Value.SnapshotTimeout;
        await DeleteAsync(prebuildId, cancellationToken);
        await WaitGoneAsync(name, deadline, cancellationToken);
        var snapshot = new WorkspaceSnapshotResource
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = Namespace,
                Labels = new Dictionary<string, string>
                {
                    [WorkspaceResourceBuilder.ManagedByLabel] = ManagedBy,
                    [PrebuildLabel] = prebuildId,
                },
            },
            Spec = new WorkspaceSnapshotSpec { Workspace = workspaceId, VolumeSnapshotClassName = className },
        };
        try
        {
            await client.CustomObjects.CreateNamespacedCustomObjectAsync(snapshot, Group, Version, Namespace, Plural, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            throw new IOException($"The WorkspaceSnapshot {name} could not be created: the cluster has no WorkspaceSnapshot CRD (apply the chart's crds/ after an upgrade: kubectl apply -f deploy/helm/workspaces/crds/).", e);
        }
        catch (HttpOperationException e)
        {
            throw new IOException($"The WorkspaceSnapshot {name} could not be created: {KubernetesErrors.Message(e)}", e);
        }

        try
        {
            var size = await WaitReadyAsync(name, className, deadline, cancellationToken);
            if (maxBytes > 0 && size > maxBytes)
            {
                throw new SnapshotTooLargeException(size, maxBytes);
            }

            LogSnapshotted(prebuildId, name, size);
            return new PrebuildSnapshot(Storage, size, size, 0);
        }
        catch
        {
            // A failed, refused or abandoned snapshot is never left behind.
            await DeleteAsync(prebuildId, CancellationToken.None);
            throw;
        }
    }

    /// <summary>A workspace that has a Workspace resource has its volume (its files) already.</summary>
    public bool HasCheckout(string workspaceId, string checkoutDirectoryName) => watch.Informer.Get(workspaceId) is not null;

    /// <summary>
    /// Checks that the snapshot is there and ready; the runtime then creates the workspace's volume from it
    /// (<see cref="WorkspaceSpec.VolumeSnapshot"/>), which the provisioner fills before the pod starts.
    /// </summary>
    public async Task RestoreAsync(string prebuildId, string workspaceId, string checkoutDirectoryName, CancellationToken cancellationToken)
    {
        var name = Name(prebuildId);
        WorkspaceSnapshotResource snapshot;
        try
        {
            snapshot = await GetAsync(name, cancellationToken) ?? throw new SnapshotUnusableException($"The snapshot {name} of prebuild {prebuildId} is missing.");
        }
        catch (IOException e)
        {
            throw new SnapshotUnusableException(e.Message, e);
        }

        if (snapshot.Metadata.DeletionTimestamp is not null)
        {
            throw new SnapshotUnusableException($"The snapshot {name} of prebuild {prebuildId} is being deleted.");
        }

        if (snapshot.Status?.Error is { } error)
        {
            throw new SnapshotUnusableException($"The VolumeSnapshot {name} of prebuild {prebuildId} failed: {error}");
        }

        if (snapshot.Status?.ReadyToUse != true)
        {
            throw new SnapshotUnusableException($"The VolumeSnapshot {name} of prebuild {prebuildId} is not ready to use.");
        }
    }

    /// <summary>Deletes the WorkspaceSnapshot; the controller deletes its VolumeSnapshot, then lets it go.</summary>
    public async Task DeleteAsync(string prebuildId, CancellationToken cancellationToken)
    {
        var name = Name(prebuildId);
        try
        {
            await client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, Version, Namespace, Plural, name, cancellationToken: cancellationToken);
            LogDeleted(prebuildId, name);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
        }
        catch (HttpOperationException e)
        {
            throw new IOException($"The WorkspaceSnapshot {name} could not be deleted: {KubernetesErrors.Message(e)}", e);
        }
    }

    /// <summary>The prebuilds with a WorkspaceSnapshot (those the controller's migration made for an older web app's VolumeSnapshots too).</summary>
    public async Task<IReadOnlyList<string>> ListSnapshotsAsync(CancellationToken cancellationToken)
    {
        WorkspaceSnapshotResourceList list;
        try
        {
            list = await client.CustomObjects.ListNamespacedCustomObjectAsync<WorkspaceSnapshotResourceList>(Group, Version, Namespace, Plural, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e)
        {
            throw new IOException($"The WorkspaceSnapshots could not be listed: {KubernetesErrors.Message(e)}", e);
        }

        return [.. list.Items
            .Where(item => item.Metadata.DeletionTimestamp is null)
            .Select(item => item.Metadata.Labels?.TryGetValue(PrebuildLabel, out var id) == true && item.Metadata.Name == Name(id) ? id : null)
            .OfType<string>()];
    }

    /// <summary>Waits for <c>status.readyToUse</c>; returns <c>status.restoreSizeBytes</c>; throws with <c>status.error</c>.</summary>
    private async Task<long> WaitReadyAsync(string name, string className, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            var snapshot = await GetAsync(name, cancellationToken) ?? throw new IOException($"The WorkspaceSnapshot {name} was deleted while it was taken.");
            if (snapshot.Status?.Error is { } error)
            {
                throw new IOException($"The VolumeSnapshot {name} failed: {error} (class {className}, {KubernetesPrebuildOptions.SectionName}:VolumeSnapshotClass).");
            }

            if (snapshot.Status?.ReadyToUse == true)
            {
                return snapshot.Status.RestoreSizeBytes ?? 0;
            }

            if (timeProvider.GetUtcNow() >= deadline)
            {
                throw new IOException(
                    $"The VolumeSnapshot {name} was not ready to use after {prebuildOptions.Value.SnapshotTimeout.TotalMinutes:0.#} minutes ({KubernetesPrebuildOptions.SectionName}:SnapshotTimeout): "
                    + (snapshot.Status is null
                        ? "the controller has not taken it up; check that it runs with Workspaces:Controller:Snapshots:Enabled (the chart's prebuilds.storage=volumeSnapshot) and what its log says (a cluster without the VolumeSnapshot API cannot be watched)."
                        : $"check that the CSI driver of class {className} supports snapshots (`kubectl describe volumesnapshot {name}`)."));
            }

            await Task.Delay(Poll, timeProvider, cancellationToken);
        }
    }

    /// <summary>A WorkspaceSnapshot of this name still being cleaned up (an earlier attempt) must be gone before it is made again.</summary>
    private async Task WaitGoneAsync(string name, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        while (await GetAsync(name, cancellationToken) is not null)
        {
            if (timeProvider.GetUtcNow() >= deadline)
            {
                throw new IOException($"The earlier WorkspaceSnapshot {name} is still being deleted after {prebuildOptions.Value.SnapshotTimeout.TotalMinutes:0.#} minutes (`kubectl describe workspacesnapshot {name}`).");
            }

            await Task.Delay(Poll, timeProvider, cancellationToken);
        }
    }

    private async Task<WorkspaceSnapshotResource?> GetAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CustomObjects.GetNamespacedCustomObjectAsync<WorkspaceSnapshotResource>(Group, Version, Namespace, Plural, name, cancellationToken);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            return null;
        }
        catch (HttpOperationException e)
        {
            throw new IOException($"The WorkspaceSnapshot {name} could not be read: {KubernetesErrors.Message(e)}", e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Prebuild {PrebuildId} snapshotted as VolumeSnapshot {Name}: {SizeBytes} bytes")]
    private partial void LogSnapshotted(string prebuildId, string name, long sizeBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "WorkspaceSnapshot {Name} of prebuild {PrebuildId} deleted")]
    private partial void LogDeleted(string prebuildId, string name);
}
