using k8s.Models;
using Workspaces.WorkspaceController.Kubernetes.Resources;

namespace Workspaces.WorkspaceController.Kubernetes.Snapshots;

/// <summary>What one pass over a snapshot's name does next (one step; the pass after it sees the result).</summary>
public enum SnapshotStep
{
    None,

    /// <summary>The WorkspaceSnapshot gets the controller's finalizer before anything exists that it must clean up.</summary>
    AddFinalizer,

    CreateVolumeSnapshot,

    /// <summary>An older web app's VolumeSnapshot becomes this WorkspaceSnapshot's (owner reference, our labels).</summary>
    AdoptVolumeSnapshot,

    /// <summary>Our VolumeSnapshot lost its finalizer (someone edited it): put it back.</summary>
    RestoreVolumeSnapshotFinalizer,

    /// <summary>Delete the VolumeSnapshot and drop its finalizer; the snapshot controller then deletes its content.</summary>
    DeleteVolumeSnapshot,

    /// <summary>The VolumeSnapshot is gone: the WorkspaceSnapshot may go.</summary>
    RemoveFinalizer,

    /// <summary>The migration: a WorkspaceSnapshot (adoptLegacy) for an older web app's VolumeSnapshot that has none.</summary>
    CreateAdopter,
}

/// <param name="Status">What the WorkspaceSnapshot's status should say after the step (null: leave it).</param>
public sealed record SnapshotDecision(SnapshotStep Step, WorkspaceSnapshotStatus? Status = null);

/// <summary>
/// The pure half of the snapshot reconcile: from the WorkspaceSnapshot and the VolumeSnapshot of the same name (either
/// may be missing), the next step and the status. A VolumeSnapshot is ours when its controller owner reference names
/// this WorkspaceSnapshot's uid; an older web app's (<see cref="IsLegacy"/>) is taken over only when the
/// WorkspaceSnapshot asks for it; anything else of that name is a reported conflict and never touched.
/// </summary>
public static class WorkspaceSnapshotDecider
{
    /// <summary>Ours on every VolumeSnapshot we hold (the name an older web app used too): nobody else's delete loses it.</summary>
    public const string VolumeSnapshotFinalizer = "workspaces.dev/prebuild-snapshot";

    public const string PrebuildLabel = "workspaces.dev/prebuild";

    /// <summary>The managed-by label of the VolumeSnapshots an older web app created itself.</summary>
    public const string LegacyManagedBy = "workspaces-web";

    public static SnapshotDecision Decide(WorkspaceSnapshotResource? snapshot, VolumeSnapshotResource? volume)
    {
        if (snapshot is null)
        {
            return volume switch
            {
                null => new(SnapshotStep.None),
                _ when OwnerOf(volume) is { Kind: WorkspaceSnapshotResource.KindName } => new(SnapshotStep.DeleteVolumeSnapshot),
                _ when IsLegacy(volume) => new(SnapshotStep.CreateAdopter),
                _ => new(SnapshotStep.None),
            };
        }

        var name = snapshot.Metadata.Name;
        var ownership = volume is null ? Ownership.None : Owned(snapshot, volume);
        if (snapshot.Metadata.DeletionTimestamp is not null)
        {
            if (ownership is Ownership.This or Ownership.Earlier)
            {
                return new(SnapshotStep.DeleteVolumeSnapshot, Status(snapshot, WorkspaceSnapshotPhase.Deleting, error: null));
            }

            return new(HasFinalizer(snapshot) ? SnapshotStep.RemoveFinalizer : SnapshotStep.None);
        }

        if (!HasFinalizer(snapshot))
        {
            return new(SnapshotStep.AddFinalizer);
        }

        var adopt = snapshot.Spec.AdoptLegacy == true;
        if (string.IsNullOrEmpty(snapshot.Spec.Workspace) == !adopt)
        {
            return Failed(snapshot, "spec must name exactly one of workspace (the Workspace whose volume is snapshotted) and adoptLegacy.");
        }

        switch (ownership)
        {
            case Ownership.None when adopt:
                return Failed(snapshot, $"There is no VolumeSnapshot {name} to adopt.");
            case Ownership.None:
                return new(SnapshotStep.CreateVolumeSnapshot, Status(snapshot, WorkspaceSnapshotPhase.Pending, error: null));
            case Ownership.Earlier:
                // Left by an earlier WorkspaceSnapshot of this name whose cleanup was cut short: it goes, then ours is made.
                return new(SnapshotStep.DeleteVolumeSnapshot, Status(snapshot, WorkspaceSnapshotPhase.Pending, error: null));
            case Ownership.Legacy when adopt:
                return new(SnapshotStep.AdoptVolumeSnapshot, Status(snapshot, WorkspaceSnapshotPhase.Pending, error: null));
            case Ownership.Legacy or Ownership.Other:
                return Failed(snapshot, $"A VolumeSnapshot named {name} already exists and does not belong to this WorkspaceSnapshot; delete or rename it (kubectl get volumesnapshot {name} -o yaml), then snapshot again.");
        }

        if (volume!.Metadata.DeletionTimestamp is not null)
        {
            return Failed(snapshot, $"The VolumeSnapshot {name} is being deleted by someone else (kubectl delete); it is kept until this WorkspaceSnapshot is deleted.");
        }

        var status = FromVolume(snapshot, volume);
        return new(volume.Metadata.Finalizers?.Contains(VolumeSnapshotFinalizer) == true ? SnapshotStep.None : SnapshotStep.RestoreVolumeSnapshotFinalizer, status);
    }

    /// <summary>The VolumeSnapshot the controller creates: owned by the WorkspaceSnapshot, held by our finalizer.</summary>
    public static VolumeSnapshotResource Build(WorkspaceSnapshotResource snapshot) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = snapshot.Metadata.Name,
            NamespaceProperty = snapshot.Metadata.NamespaceProperty,
            Labels = Labels(snapshot),
            Finalizers = [VolumeSnapshotFinalizer],
            OwnerReferences = [OwnerReference(snapshot)],
        },
        Spec = new VolumeSnapshotSpec
        {
            VolumeSnapshotClassName = snapshot.Spec.VolumeSnapshotClassName,
            Source = new VolumeSnapshotSource { PersistentVolumeClaimName = ControllerOptions.ChildName(snapshot.Spec.Workspace!) },
        },
    };

    /// <summary>The WorkspaceSnapshot the migration creates for an older web app's VolumeSnapshot.</summary>
    public static WorkspaceSnapshotResource Adopter(VolumeSnapshotResource volume) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = volume.Metadata.Name,
            NamespaceProperty = volume.Metadata.NamespaceProperty,
            Labels = new Dictionary<string, string>
            {
                [WorkspaceResourceBuilder.ManagedByLabel] = LegacyManagedBy,
                [PrebuildLabel] = volume.Metadata.Labels![PrebuildLabel],
            },
            Finalizers = [WorkspaceSnapshotResource.Finalizer],
        },
        Spec = new WorkspaceSnapshotSpec { VolumeSnapshotClassName = volume.Spec.VolumeSnapshotClassName, AdoptLegacy = true },
    };

    public static Dictionary<string, string> Labels(WorkspaceSnapshotResource snapshot)
    {
        var labels = new Dictionary<string, string>
        {
            [WorkspaceResourceBuilder.ManagedByLabel] = WorkspaceResourceBuilder.ManagedBy,
            [SnapshotLabel] = snapshot.Metadata.Name,
        };
        if (snapshot.Metadata.Labels?.TryGetValue(PrebuildLabel, out var prebuild) == true)
        {
            labels[PrebuildLabel] = prebuild;
        }

        return labels;
    }

    public const string SnapshotLabel = "workspaces.dev/snapshot";

    public static V1OwnerReference OwnerReference(WorkspaceSnapshotResource snapshot) => new()
    {
        ApiVersion = snapshot.ApiVersion,
        Kind = WorkspaceSnapshotResource.KindName,
        Name = snapshot.Metadata.Name,
        Uid = snapshot.Metadata.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    /// <summary>
    /// A VolumeSnapshot an older web app made and owned itself: no owner, its managed-by label, a prebuild label that
    /// matches the name (<c>prebuild-{id}</c>), and its finalizer (which only it removed). Nothing else is ever adopted.
    /// </summary>
    public static bool IsLegacy(VolumeSnapshotResource volume)
    {
        var labels = volume.Metadata.Labels;
        return volume.Metadata.OwnerReferences is not { Count: > 0 }
            && labels is not null
            && labels.TryGetValue(WorkspaceResourceBuilder.ManagedByLabel, out var by) && by == LegacyManagedBy
            && labels.TryGetValue(PrebuildLabel, out var prebuild) && volume.Metadata.Name == "prebuild-" + prebuild
            && volume.Metadata.Finalizers?.Contains(VolumeSnapshotFinalizer) == true;
    }

    public static bool HasFinalizer(WorkspaceSnapshotResource snapshot) => snapshot.Metadata.Finalizers?.Contains(WorkspaceSnapshotResource.Finalizer) == true;

    private enum Ownership
    {
        None,
        This,
        Earlier,
        Legacy,
        Other,
    }

    private static Ownership Owned(WorkspaceSnapshotResource snapshot, VolumeSnapshotResource volume)
    {
        if (OwnerOf(volume) is { } owner)
        {
            return owner.Kind != WorkspaceSnapshotResource.KindName || owner.Name != snapshot.Metadata.Name
                ? Ownership.Other
                : owner.Uid == snapshot.Metadata.Uid ? Ownership.This : Ownership.Earlier;
        }

        return IsLegacy(volume) ? Ownership.Legacy : Ownership.Other;
    }

    private static V1OwnerReference? OwnerOf(VolumeSnapshotResource volume) =>
        volume.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true && o.ApiVersion.StartsWith(WorkspaceResource.ApiGroup + "/", StringComparison.Ordinal));

    private static WorkspaceSnapshotStatus FromVolume(WorkspaceSnapshotResource snapshot, VolumeSnapshotResource volume)
    {
        if (volume.Status?.Error is { } error)
        {
            return Status(snapshot, WorkspaceSnapshotPhase.Failed, error.Message is { Length: > 0 } m ? m : "The snapshot controller reported an error without a message.");
        }

        if (volume.Status?.ReadyToUse != true)
        {
            return Status(snapshot, WorkspaceSnapshotPhase.Pending, error: null);
        }

        var status = Status(snapshot, WorkspaceSnapshotPhase.Ready, error: null);
        status.ReadyToUse = true;
        status.RestoreSize = volume.Status.RestoreSize;
        status.RestoreSizeBytes = volume.Status.RestoreSize is { Length: > 0 } size ? (long)new ResourceQuantity(size).ToDecimal() : 0;
        return status;
    }

    private static SnapshotDecision Failed(WorkspaceSnapshotResource snapshot, string error) =>
        new(SnapshotStep.None, Status(snapshot, WorkspaceSnapshotPhase.Failed, error));

    private static WorkspaceSnapshotStatus Status(WorkspaceSnapshotResource snapshot, string phase, string? error) => new()
    {
        Phase = phase,
        ReadyToUse = false,
        Error = error,
        VolumeSnapshotName = snapshot.Metadata.Name,
        ObservedGeneration = snapshot.Metadata.Generation,
    };

    /// <summary>True when <paramref name="current"/> says the same as <paramref name="desired"/> (no status write).</summary>
    public static bool SameStatus(WorkspaceSnapshotStatus? current, WorkspaceSnapshotStatus desired) =>
        current is not null
        && current.Phase == desired.Phase
        && current.ReadyToUse == desired.ReadyToUse
        && current.RestoreSize == desired.RestoreSize
        && current.RestoreSizeBytes == desired.RestoreSizeBytes
        && current.Error == desired.Error
        && current.VolumeSnapshotName == desired.VolumeSnapshotName
        && current.ObservedGeneration == desired.ObservedGeneration;
}
