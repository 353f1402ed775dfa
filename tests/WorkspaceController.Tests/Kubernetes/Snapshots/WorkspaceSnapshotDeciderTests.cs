using k8s.Models;
using Workspaces.WorkspaceController.Kubernetes.Snapshots;

namespace Workspaces.WorkspaceController.Tests.Kubernetes.Snapshots;

/// <summary>The pure decision: whose VolumeSnapshot it is, what is done next, what the status says.</summary>
public sealed class WorkspaceSnapshotDeciderTests
{
    [Fact]
    public void Decide_NewSnapshot_GetsTheFinalizerBeforeAnyVolumeSnapshotExists()
    {
        var snapshot = Snapshot();
        snapshot.Metadata.Finalizers = null;

        Assert.Equal(SnapshotStep.AddFinalizer, WorkspaceSnapshotDecider.Decide(snapshot, null).Step);
    }

    [Fact]
    public void Decide_NoVolumeSnapshotYet_CreatesOneOwnedByTheSnapshotWithOurFinalizer()
    {
        var snapshot = Snapshot();

        var decision = WorkspaceSnapshotDecider.Decide(snapshot, null);
        var volume = WorkspaceSnapshotDecider.Build(snapshot);

        Assert.Equal(SnapshotStep.CreateVolumeSnapshot, decision.Step);
        Assert.Equal(WorkspaceSnapshotPhase.Pending, decision.Status!.Phase);
        Assert.Equal("ws-prebuild-3f2a1c", volume.Spec.Source.PersistentVolumeClaimName);
        Assert.Equal("csi-hostpath-snapclass", volume.Spec.VolumeSnapshotClassName);
        Assert.Equal([WorkspaceSnapshotDecider.VolumeSnapshotFinalizer], volume.Metadata.Finalizers);
        Assert.Equal("uid-1", Assert.Single(volume.Metadata.OwnerReferences).Uid);
        Assert.Equal("3f2a1c", volume.Metadata.Labels[WorkspaceSnapshotDecider.PrebuildLabel]);
    }

    [Fact]
    public void Decide_OwnVolumeSnapshotReady_ReportsReadyWithItsSizeInBytes()
    {
        var snapshot = Snapshot();
        var volume = WorkspaceSnapshotDecider.Build(snapshot);
        volume.Status = new VolumeSnapshotStatus { ReadyToUse = true, RestoreSize = "10Gi" };

        var decision = WorkspaceSnapshotDecider.Decide(snapshot, volume);

        Assert.Equal(SnapshotStep.None, decision.Step);
        Assert.Equal(WorkspaceSnapshotPhase.Ready, decision.Status!.Phase);
        Assert.Equal(10L << 30, decision.Status.RestoreSizeBytes);
        Assert.True(WorkspaceSnapshotDecider.SameStatus(decision.Status, WorkspaceSnapshotDecider.Decide(snapshot, volume).Status!));
    }

    [Fact]
    public void Decide_OwnVolumeSnapshotLostItsFinalizer_PutsItBack()
    {
        var snapshot = Snapshot();
        var volume = WorkspaceSnapshotDecider.Build(snapshot);
        volume.Metadata.Finalizers = [];

        Assert.Equal(SnapshotStep.RestoreVolumeSnapshotFinalizer, WorkspaceSnapshotDecider.Decide(snapshot, volume).Step);
    }

    [Fact]
    public void Decide_LegacyVolumeSnapshotWithoutAdoptLegacy_IsAConflictNotAdopted()
    {
        var decision = WorkspaceSnapshotDecider.Decide(Snapshot(), Legacy());

        Assert.Equal(SnapshotStep.None, decision.Step);
        Assert.Equal(WorkspaceSnapshotPhase.Failed, decision.Status!.Phase);
        Assert.Contains("does not belong to this WorkspaceSnapshot", decision.Status.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_LegacyVolumeSnapshotWithoutAnySnapshot_CreatesAnAdopterWhichAdoptsIt()
    {
        var legacy = Legacy();

        var first = WorkspaceSnapshotDecider.Decide(null, legacy);
        var adopter = WorkspaceSnapshotDecider.Adopter(legacy);
        adopter.Metadata.Uid = "uid-2";

        Assert.Equal(SnapshotStep.CreateAdopter, first.Step);
        Assert.True(adopter.Spec.AdoptLegacy);
        Assert.Null(adopter.Spec.Workspace);
        Assert.Equal(SnapshotStep.AdoptVolumeSnapshot, WorkspaceSnapshotDecider.Decide(adopter, legacy).Step);
    }

    [Theory]
    [InlineData(false, "workspaces-web", "3f2a1c")]
    [InlineData(true, "someone-else", "3f2a1c")]
    [InlineData(true, "workspaces-web", "999999")]
    public void IsLegacy_MissingFinalizerOtherManagerOrMismatchedLabel_IsNotLegacy(bool finalizer, string managedBy, string prebuild)
    {
        var volume = Legacy();
        volume.Metadata.Finalizers = finalizer ? [WorkspaceSnapshotDecider.VolumeSnapshotFinalizer] : [];
        volume.Metadata.Labels["app.kubernetes.io/managed-by"] = managedBy;
        volume.Metadata.Labels[WorkspaceSnapshotDecider.PrebuildLabel] = prebuild;

        Assert.False(WorkspaceSnapshotDecider.IsLegacy(volume));
        Assert.Equal(SnapshotStep.None, WorkspaceSnapshotDecider.Decide(null, volume).Step);
    }

    [Fact]
    public void Decide_Deleted_DeletesOwnVolumeSnapshotThenReleasesButNeverTouchesAForeignOne()
    {
        var snapshot = Snapshot();
        snapshot.Metadata.DeletionTimestamp = DateTime.UtcNow;
        var own = WorkspaceSnapshotDecider.Build(snapshot);
        var foreign = WorkspaceSnapshotDecider.Build(snapshot);
        foreign.Metadata.OwnerReferences = null;
        foreign.Metadata.Labels = null;

        Assert.Equal(SnapshotStep.DeleteVolumeSnapshot, WorkspaceSnapshotDecider.Decide(snapshot, own).Step);
        Assert.Equal(WorkspaceSnapshotPhase.Deleting, WorkspaceSnapshotDecider.Decide(snapshot, own).Status!.Phase);
        Assert.Equal(SnapshotStep.RemoveFinalizer, WorkspaceSnapshotDecider.Decide(snapshot, null).Step);
        Assert.Equal(SnapshotStep.RemoveFinalizer, WorkspaceSnapshotDecider.Decide(snapshot, foreign).Step);
    }

    [Fact]
    public void Decide_VolumeSnapshotOfAnEarlierSnapshotOfTheSameName_IsDeletedBeforeANewOneIsMade()
    {
        var earlier = Snapshot();
        var volume = WorkspaceSnapshotDecider.Build(earlier);
        var later = Snapshot();
        later.Metadata.Uid = "uid-9";

        Assert.Equal(SnapshotStep.DeleteVolumeSnapshot, WorkspaceSnapshotDecider.Decide(later, volume).Step);
        Assert.Equal(SnapshotStep.DeleteVolumeSnapshot, WorkspaceSnapshotDecider.Decide(null, volume).Step);
    }

    private static WorkspaceSnapshotResource Snapshot() => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "prebuild-3f2a1c",
            NamespaceProperty = "workspaces",
            Uid = "uid-1",
            Generation = 1,
            Labels = new Dictionary<string, string> { [WorkspaceSnapshotDecider.PrebuildLabel] = "3f2a1c" },
            Finalizers = [WorkspaceSnapshotResource.Finalizer],
        },
        Spec = new WorkspaceSnapshotSpec { Workspace = "prebuild-3f2a1c", VolumeSnapshotClassName = "csi-hostpath-snapclass" },
    };

    private static VolumeSnapshotResource Legacy() => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "prebuild-3f2a1c",
            NamespaceProperty = "workspaces",
            Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "workspaces-web", [WorkspaceSnapshotDecider.PrebuildLabel] = "3f2a1c" },
            Finalizers = [WorkspaceSnapshotDecider.VolumeSnapshotFinalizer],
        },
        Spec = new VolumeSnapshotSpec { VolumeSnapshotClassName = "csi-hostpath-snapclass", Source = new VolumeSnapshotSource { PersistentVolumeClaimName = "ws-prebuild-3f2a1c" } },
        Status = new VolumeSnapshotStatus { ReadyToUse = true, RestoreSize = "10Gi" },
    };
}
