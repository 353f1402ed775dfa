using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workspaces.WorkspaceController.Kubernetes.Controller;
using Workspaces.WorkspaceController.Kubernetes.Resources;
using Workspaces.WorkspaceController.Kubernetes.Runtime;
using Workspaces.WorkspaceController.Prebuilds;

namespace Workspaces.WorkspaceController.Kubernetes.Prebuilds;

/// <summary>
/// Prebuilds' snapshots on Kubernetes: a CSI VolumeSnapshot (<c>prebuild-{id}</c>, class
/// <see cref="KubernetesPrebuildOptions.VolumeSnapshotClass"/>) of the stopped prebuild workspace's volume, and new
/// workspaces whose volume is created with <c>dataSource</c> pointing at it (<see cref="WorkspaceSpec.VolumeSnapshot"/>).
/// Every snapshot carries a finalizer that only this class removes, when its prebuild is deleted (retention, a bad
/// restore, a failed snapshot) or no record points to it: nobody else's delete loses a prebuild silently, and none is
/// left behind. A headless prebuild's pod keeps the agent's state and home on emptyDirs
/// (<see cref="WorkspaceResourceBuilder.Pod"/>), so the volume holds only the checkout when it is snapshotted.
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
    public const string Finalizer = "workspaces.dev/prebuild-snapshot";
    public const string PrebuildLabel = "workspaces.dev/prebuild";
    public const string Version = "v1";
    public const string Plural = "volumesnapshots";
    public const string ManagedBy = "workspaces-web";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    private string Namespace => options.Value.Namespace;

    /// <summary>The VolumeSnapshot's name of a prebuild.</summary>
    public static string Name(string prebuildId) => "prebuild-" + prebuildId;

    public async Task<PrebuildSnapshot> SnapshotAsync(string workspaceId, string checkoutDirectoryName, string prebuildId, long maxBytes, CancellationToken cancellationToken)
    {
        var className = prebuildOptions.Value.VolumeSnapshotClass;
        var name = Name(prebuildId);
        await DeleteAsync(prebuildId, cancellationToken);
        var snapshot = new JsonObject
        {
            ["apiVersion"] = $"{WorkspaceResourceBuilder.VolumeSnapshotGroup}/{Version}",
            ["kind"] = "VolumeSnapshot",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = Namespace,
                ["labels"] = new JsonObject
                {
                    [WorkspaceResourceBuilder.ManagedByLabel] = ManagedBy,
                    [PrebuildLabel] = prebuildId,
                },
                ["finalizers"] = new JsonArray(Finalizer),
            },
            ["spec"] = new JsonObject
            {
                ["volumeSnapshotClassName"] = className,
                ["source"] = new JsonObject { ["persistentVolumeClaimName"] = ControllerOptions.ChildName(workspaceId) },
            },
        };
        try
        {
            await client.CustomObjects.CreateNamespacedCustomObjectAsync(snapshot, WorkspaceResourceBuilder.VolumeSnapshotGroup, Version, Namespace, Plural, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e)
        {
            throw new IOException($"The VolumeSnapshot {name} could not be created: {KubernetesErrors.Message(e)}", e);
        }

        try
        {
            var size = await WaitReadyAsync(name, className, cancellationToken);
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
        JsonObject snapshot;
        try
        {
            snapshot = await GetAsync(name, cancellationToken) ?? throw new SnapshotUnusableException($"The VolumeSnapshot {name} of prebuild {prebuildId} is missing.");
        }
        catch (IOException e)
        {
            throw new SnapshotUnusableException(e.Message, e);
        }

        if (snapshot["metadata"]?["deletionTimestamp"] is not null)
        {
            throw new SnapshotUnusableException($"The VolumeSnapshot {name} of prebuild {prebuildId} is being deleted.");
        }

        if (ErrorOf(snapshot) is { } error)
        {
            throw new SnapshotUnusableException($"The VolumeSnapshot {name} of prebuild {prebuildId} failed: {error}");
        }

        if (snapshot["status"]?["readyToUse"]?.GetValue<bool>() != true)
        {
            throw new SnapshotUnusableException($"The VolumeSnapshot {name} of prebuild {prebuildId} is not ready to use.");
        }
    }

    public async Task DeleteAsync(string prebuildId, CancellationToken cancellationToken)
    {
        var name = Name(prebuildId);
        try
        {
            await client.CustomObjects.DeleteNamespacedCustomObjectAsync(WorkspaceResourceBuilder.VolumeSnapshotGroup, Version, Namespace, Plural, name, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            return;
        }
        catch (HttpOperationException e)
        {
            throw new IOException($"The VolumeSnapshot {name} could not be deleted: {KubernetesErrors.Message(e)}", e);
        }

        // Deleted, it waits for its finalizers: this one goes now (others, such as the snapshot controller's, stay theirs).
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var current = await GetAsync(name, cancellationToken);
            var finalizers = current?["metadata"]?["finalizers"]?.AsArray();
            var ours = finalizers?.FirstOrDefault(f => (string?)f == Finalizer);
            if (ours is null)
            {
                return;
            }

            finalizers!.Remove(ours);
            try
            {
                await client.CustomObjects.ReplaceNamespacedCustomObjectAsync(current!, WorkspaceResourceBuilder.VolumeSnapshotGroup, Version, Namespace, Plural, name, cancellationToken: cancellationToken);
                LogDeleted(prebuildId, name);
                return;
            }
            catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
            {
                return;
            }
            catch (HttpOperationException e) when (KubernetesErrors.IsConflict(e))
            {
                // Changed meanwhile (its status): read it again.
            }
            catch (HttpOperationException e)
            {
                throw new IOException($"The finalizer of the VolumeSnapshot {name} could not be removed: {KubernetesErrors.Message(e)}", e);
            }
        }

        throw new IOException($"The finalizer of the VolumeSnapshot {name} could not be removed; it is retried at the next retention pass.");
    }

    public async Task<IReadOnlyList<string>> ListSnapshotsAsync(CancellationToken cancellationToken)
    {
        JsonObject list;
        try
        {
            list = await client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(
                WorkspaceResourceBuilder.VolumeSnapshotGroup, Version, Namespace, Plural, labelSelector: $"{WorkspaceResourceBuilder.ManagedByLabel}={ManagedBy}", cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e)
        {
            throw new IOException($"The VolumeSnapshots could not be listed: {KubernetesErrors.Message(e)}", e);
        }

        return [.. (list["items"]?.AsArray() ?? [])
            .Where(item => item?["metadata"]?["finalizers"]?.AsArray().Any(f => (string?)f == Finalizer) == true)
            .Select(item => (string?)item?["metadata"]?["labels"]?[PrebuildLabel])
            .OfType<string>()];
    }

    /// <summary>Waits for <c>status.readyToUse</c>; returns <c>status.restoreSize</c> in bytes; throws with <c>status.error</c>.</summary>
    private async Task<long> WaitReadyAsync(string name, string className, CancellationToken cancellationToken)
    {
        var timeout = prebuildOptions.Value.SnapshotTimeout;
        var deadline = timeProvider.GetUtcNow() + timeout;
        while (true)
        {
            var snapshot = await GetAsync(name, cancellationToken) ?? throw new IOException($"The VolumeSnapshot {name} was deleted while it was taken.");
            if (ErrorOf(snapshot) is { } error)
            {
                throw new IOException($"The VolumeSnapshot {name} failed: {error} (class {className}, {KubernetesPrebuildOptions.SectionName}:VolumeSnapshotClass).");
            }

            if (snapshot["status"]?["readyToUse"]?.GetValue<bool>() == true)
            {
                var restoreSize = (string?)snapshot["status"]?["restoreSize"];
                return restoreSize is null ? 0 : (long)new k8s.Models.ResourceQuantity(restoreSize).ToDecimal();
            }

            if (timeProvider.GetUtcNow() >= deadline)
            {
                throw new IOException(
                    $"The VolumeSnapshot {name} was not ready to use after {timeout.TotalMinutes:0.#} minutes ({KubernetesPrebuildOptions.SectionName}:SnapshotTimeout): "
                    + $"check that the CSI driver of class {className} supports snapshots (`kubectl describe volumesnapshot {name}`).");
            }

            await Task.Delay(Poll, timeProvider, cancellationToken);
        }
    }

    private static string? ErrorOf(JsonObject snapshot) =>
        snapshot["status"]?["error"] is JsonObject error ? (string?)error["message"] ?? "the snapshot controller reported an error without a message" : null;

    private async Task<JsonObject?> GetAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(WorkspaceResourceBuilder.VolumeSnapshotGroup, Version, Namespace, Plural, name, cancellationToken);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            return null;
        }
        catch (HttpOperationException e)
        {
            throw new IOException($"The VolumeSnapshot {name} could not be read: {KubernetesErrors.Message(e)}", e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Prebuild {PrebuildId} snapshotted as VolumeSnapshot {Name}: {SizeBytes} bytes")]
    private partial void LogSnapshotted(string prebuildId, string name, long sizeBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "VolumeSnapshot {Name} of prebuild {PrebuildId} deleted")]
    private partial void LogDeleted(string prebuildId, string name);
}
