using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Workspaces.Shared.Reconciliation;
using Workspaces.WorkspaceController.Kubernetes.Controller;

namespace Workspaces.WorkspaceController.Kubernetes.Snapshots;

/// <summary>
/// One level-triggered pass over one snapshot name: the WorkspaceSnapshot and the VolumeSnapshot of that name as the
/// informers see them now, <see cref="WorkspaceSnapshotDecider.Decide"/>, one step, then the status. Metadata of a
/// VolumeSnapshot is changed by merge patches carrying its resourceVersion (its spec is immutable and partly unknown to
/// us); a WorkspaceSnapshot's status is replaced through its status subresource.
/// </summary>
public sealed partial class WorkspaceSnapshotReconciler(IKubernetes client, ILogger<WorkspaceSnapshotReconciler> logger)
{
    /// <summary>How soon a deletion in progress is looked at again when no watch event comes first.</summary>
    private static readonly TimeSpan DeletionRecheck = TimeSpan.FromSeconds(2);

    private const string Group = WorkspaceResource.ApiGroup;
    private const string ApiVersion = WorkspaceResource.ApiVersionName;

    public async Task<ReconcileResult> ReconcileAsync(
        string ns,
        string name,
        ResourceInformer<WorkspaceSnapshotResource, WorkspaceSnapshotResourceList> snapshots,
        ResourceInformer<VolumeSnapshotResource, VolumeSnapshotResourceList> volumes,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        ArgumentNullException.ThrowIfNull(volumes);
        var snapshot = snapshots.Get(name);
        var volume = volumes.Get(name);
        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["Namespace"] = ns, ["SnapshotName"] = name, ["Uid"] = snapshot?.Metadata.Uid });
        var decision = WorkspaceSnapshotDecider.Decide(snapshot, volume);
        var requeue = ReconcileResult.Done;
        switch (decision.Step)
        {
            case SnapshotStep.AddFinalizer:
                snapshots.Update(await PatchSnapshotFinalizersAsync(ns, snapshot!, [.. snapshot!.Metadata.Finalizers ?? [], WorkspaceSnapshotResource.Finalizer], cancellationToken));
                return ReconcileResult.After(TimeSpan.Zero);
            case SnapshotStep.RemoveFinalizer:
                await PatchSnapshotFinalizersAsync(ns, snapshot!, [.. snapshot!.Metadata.Finalizers!.Where(f => f != WorkspaceSnapshotResource.Finalizer)], cancellationToken);
                LogReleased(name);
                return ReconcileResult.Done;
            case SnapshotStep.CreateVolumeSnapshot:
                if (await CreateVolumeAsync(ns, snapshot!, cancellationToken) is { } missingApi)
                {
                    decision = decision with { Status = Failed(decision.Status!, missingApi) };
                }

                break;
            case SnapshotStep.AdoptVolumeSnapshot:
                await PatchVolumeAsync(ns, volume!, new JsonObject
                {
                    ["ownerReferences"] = new JsonArray(JsonNode.Parse(KubernetesJson.Serialize(WorkspaceSnapshotDecider.OwnerReference(snapshot!)))),
                    ["labels"] = JsonNode.Parse(KubernetesJson.Serialize(WorkspaceSnapshotDecider.Labels(snapshot!))),
                }, cancellationToken);
                LogAdopted(name);
                requeue = ReconcileResult.After(TimeSpan.Zero);
                break;
            case SnapshotStep.RestoreVolumeSnapshotFinalizer:
                await PatchVolumeAsync(ns, volume!, new JsonObject
                {
                    ["finalizers"] = new JsonArray([.. (volume!.Metadata.Finalizers ?? []).Append(WorkspaceSnapshotDecider.VolumeSnapshotFinalizer).Select(f => JsonValue.Create(f))]),
                }, cancellationToken);
                break;
            case SnapshotStep.DeleteVolumeSnapshot:
                await DeleteVolumeAsync(ns, volume!, cancellationToken);
                requeue = ReconcileResult.After(DeletionRecheck);
                break;
            case SnapshotStep.CreateAdopter:
                await CreateAdopterAsync(ns, volume!, cancellationToken);
                return ReconcileResult.Done;
        }

        if (snapshot is not null && decision.Status is { } status && !WorkspaceSnapshotDecider.SameStatus(snapshot.Status, status))
        {
            await WriteStatusAsync(ns, snapshot, status, snapshots, cancellationToken);
        }

        return requeue;
    }

    private async Task<WorkspaceSnapshotResource> PatchSnapshotFinalizersAsync(string ns, WorkspaceSnapshotResource snapshot, List<string> finalizers, CancellationToken cancellationToken)
    {
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["resourceVersion"] = snapshot.Metadata.ResourceVersion,
                ["finalizers"] = new JsonArray([.. finalizers.Select(f => JsonValue.Create(f))]),
            },
        };
        var result = await client.CustomObjects.PatchNamespacedCustomObjectAsync<WorkspaceSnapshotResource>(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), Group, ApiVersion, ns, WorkspaceSnapshotResource.Plural, snapshot.Metadata.Name, cancellationToken: cancellationToken);
        return result;
    }

    /// <summary>Creates the VolumeSnapshot; returns why it cannot be when the cluster has no snapshot API.</summary>
    private async Task<string?> CreateVolumeAsync(string ns, WorkspaceSnapshotResource snapshot, CancellationToken cancellationToken)
    {
        try
        {
            await client.CustomObjects.CreateNamespacedCustomObjectAsync(
                WorkspaceSnapshotDecider.Build(snapshot), VolumeSnapshotResource.Group, VolumeSnapshotResource.Version, ns, VolumeSnapshotResource.Plural, cancellationToken: cancellationToken);
            LogCreated(snapshot.Metadata.Name, snapshot.Spec.Workspace!);
            return null;
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsConflict(e))
        {
            // Made meanwhile (ours from an earlier pass, or someone else's): the next pass looks at it.
            return null;
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            return $"The cluster has no VolumeSnapshot API ({VolumeSnapshotResource.Group}/{VolumeSnapshotResource.Version}): install the CSI external-snapshotter's CRDs and controller, or keep prebuilds in an object store (prebuilds.storage=s3).";
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsInvalid(e))
        {
            return $"The VolumeSnapshot {snapshot.Metadata.Name} was refused: {KubernetesErrors.Message(e)}";
        }
    }

    private async Task PatchVolumeAsync(string ns, VolumeSnapshotResource volume, JsonObject metadata, CancellationToken cancellationToken)
    {
        metadata["resourceVersion"] = volume.Metadata.ResourceVersion;
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(new JsonObject { ["metadata"] = metadata }.ToJsonString(), V1Patch.PatchType.MergePatch),
            VolumeSnapshotResource.Group, VolumeSnapshotResource.Version, ns, VolumeSnapshotResource.Plural, volume.Metadata.Name, cancellationToken: cancellationToken);
    }

    /// <summary>Marks it deleted, then lets go of it (our finalizer); the snapshot controller's own finalizer stays its own.</summary>
    private async Task DeleteVolumeAsync(string ns, VolumeSnapshotResource volume, CancellationToken cancellationToken)
    {
        if (volume.Metadata.DeletionTimestamp is null)
        {
            try
            {
                await client.CustomObjects.DeleteNamespacedCustomObjectAsync(
                    VolumeSnapshotResource.Group, VolumeSnapshotResource.Version, ns, VolumeSnapshotResource.Plural, volume.Metadata.Name, cancellationToken: cancellationToken);
            }
            catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
            {
                return;
            }

            // The delete changed its resourceVersion: the watch brings the terminating object and the next pass removes the finalizer.
            return;
        }

        if (volume.Metadata.Finalizers?.Contains(WorkspaceSnapshotDecider.VolumeSnapshotFinalizer) == true)
        {
            try
            {
                await PatchVolumeAsync(ns, volume, new JsonObject
                {
                    ["finalizers"] = new JsonArray([.. volume.Metadata.Finalizers.Where(f => f != WorkspaceSnapshotDecider.VolumeSnapshotFinalizer).Select(f => JsonValue.Create(f))]),
                }, cancellationToken);
                LogDeleted(volume.Metadata.Name);
            }
            catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
            {
                // Gone already.
            }
        }
    }

    private async Task CreateAdopterAsync(string ns, VolumeSnapshotResource volume, CancellationToken cancellationToken)
    {
        try
        {
            await client.CustomObjects.CreateNamespacedCustomObjectAsync(
                WorkspaceSnapshotDecider.Adopter(volume), Group, ApiVersion, ns, WorkspaceSnapshotResource.Plural, cancellationToken: cancellationToken);
            LogMigrating(volume.Metadata.Name);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsConflict(e))
        {
            // The web app made one meanwhile: the next pass sees it.
        }
    }

    private async Task WriteStatusAsync(
        string ns,
        WorkspaceSnapshotResource snapshot,
        WorkspaceSnapshotStatus status,
        ResourceInformer<WorkspaceSnapshotResource, WorkspaceSnapshotResourceList> snapshots,
        CancellationToken cancellationToken)
    {
        if (status.Phase == WorkspaceSnapshotPhase.Failed)
        {
            LogFailed(snapshot.Metadata.Name, status.Error);
        }

        var copy = KubernetesJson.Deserialize<WorkspaceSnapshotResource>(KubernetesJson.Serialize(snapshot));
        copy.Status = status;
        var written = await client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<WorkspaceSnapshotResource>(
            copy, Group, ApiVersion, ns, WorkspaceSnapshotResource.Plural, snapshot.Metadata.Name, cancellationToken: cancellationToken);
        snapshots.Update(written);
    }

    private static WorkspaceSnapshotStatus Failed(WorkspaceSnapshotStatus status, string error)
    {
        status.Phase = WorkspaceSnapshotPhase.Failed;
        status.Error = error;
        return status;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "VolumeSnapshot {Name} created of the volume of workspace {WorkspaceName}")]
    private partial void LogCreated(string name, string workspaceName);

    [LoggerMessage(Level = LogLevel.Information, Message = "VolumeSnapshot {Name} deleted; its finalizer removed")]
    private partial void LogDeleted(string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "WorkspaceSnapshot {Name} released: its VolumeSnapshot is gone")]
    private partial void LogReleased(string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "VolumeSnapshot {Name} of an older web app adopted by its WorkspaceSnapshot")]
    private partial void LogAdopted(string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "VolumeSnapshot {Name} of an older web app has no WorkspaceSnapshot: created one to adopt it")]
    private partial void LogMigrating(string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WorkspaceSnapshot {Name} failed: {Error}")]
    private partial void LogFailed(string name, string? error);
}
