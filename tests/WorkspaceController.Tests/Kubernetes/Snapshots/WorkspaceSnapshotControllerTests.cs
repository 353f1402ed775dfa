using System.Text.Json.Nodes;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.FakeKubernetes;
using Workspaces.Shared.Prebuilds;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceController.Kubernetes.Snapshots;
using Workspaces.WorkspaceController.Prebuilds;
using Workspaces.WorkspaceController.Runtime;
using Workspaces.WorkspaceController.Tests.Controller;
using static Workspaces.WorkspaceController.Tests.Kubernetes.Prebuilds.VolumeSnapshotPrebuildsTests;

namespace Workspaces.WorkspaceController.Tests.Kubernetes.Snapshots;

/// <summary>
/// The controller owns prebuilds' VolumeSnapshots: the web app (its service account, the chart's RBAC) only creates,
/// reads and deletes WorkspaceSnapshots on the fake API server, and the controller makes, reports, deletes, adopts or
/// refuses the VolumeSnapshot of the same name.
/// </summary>
public sealed class WorkspaceSnapshotControllerTests
{
    private const string Ns = ControllerHarness.Namespace;
    private const string HoldFinalizer = "test.example/hold";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Delete_WorkspaceSnapshot_DeletesItsVolumeSnapshotFirstAndGoesOnlyOnceThatIsGone()
    {
        await using var h = await StartClusterAsync();
        using var web = await StartWebAsync(h);
        var snapshots = web.Services.GetRequiredService<IPrebuildSnapshots>();
        await PrebuildAsync(web, "0de1e7");
        // Another component's finalizer keeps the VolumeSnapshot a while after its delete (as a slow CSI driver would).
        h.Server.Mutate(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-0de1e7", o => o["metadata"]!["finalizers"]!.AsArray().Add(HoldFinalizer));

        await snapshots.DeleteAsync("0de1e7", CancellationToken.None);

        var volume = await Poll.UntilNotNullAsync(
            () => Task.FromResult(h.Server.Get(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-0de1e7") is { } v
                && v["metadata"]!["deletionTimestamp"] is not null && !Finalizers(v).Contains(WorkspaceSnapshotDecider.VolumeSnapshotFinalizer) ? v : null),
            Timeout,
            "the VolumeSnapshot deleted and let go by the controller");
        await Poll.UntilAsync(() => (string?)h.Server.Get(FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-0de1e7")?["status"]?["phase"] == "Deleting", Timeout, "the WorkspaceSnapshot to say Deleting");
        var waiting = h.Server.Get(FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-0de1e7")!;
        Assert.Contains(HoldFinalizer, Finalizers(volume));
        Assert.NotNull(waiting["metadata"]!["deletionTimestamp"]);
        Assert.Contains(WorkspaceSnapshotResource.Finalizer, Finalizers(waiting));
        Assert.Empty(await snapshots.ListSnapshotsAsync(CancellationToken.None));
        await Assert.ThrowsAsync<SnapshotUnusableException>(() => snapshots.RestoreAsync("0de1e7", "web-late", "app", CancellationToken.None));

        h.Server.Mutate(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-0de1e7", o => o["metadata"]!["finalizers"] = new JsonArray());

        await Poll.UntilAsync(() => h.Server.Get(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-0de1e7") is null, Timeout, "the VolumeSnapshot to be gone");
        await Poll.UntilAsync(() => h.Server.Get(FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-0de1e7") is null, Timeout, "the WorkspaceSnapshot to follow it");
    }

    [Fact]
    public async Task Snapshot_DriverFails_TheWorkspaceSnapshotSaysFailedWithTheDriversReasonWhichThePrebuildGets()
    {
        await using var h = await StartClusterAsync();
        using var web = await StartWebAsync(h);
        var snapshots = web.Services.GetRequiredService<IPrebuildSnapshots>();
        await CreateVolumeAsync(h, "ws-prebuild-e44012");
        h.Server.FailSnapshots = "volume is busy";
        string? reported = null;
        h.Server.BeforeRequest = request =>
        {
            // What the controller wrote, seen as the web app's runner deletes the failed snapshot.
            if (request.Method == "DELETE" && request.Path.Value!.EndsWith("/workspacesnapshots/prebuild-e44012", StringComparison.Ordinal))
            {
                reported ??= h.Server.Get(FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-e44012")?["status"]?.ToJsonString();
            }

            return Task.CompletedTask;
        };

        var e = await Assert.ThrowsAsync<IOException>(() => snapshots.SnapshotAsync("prebuild-e44012", "app", "e44012", 50L << 30, CancellationToken.None));

        // The runner records this message as the prebuild's reason (PrebuildRunner: an IOException fails it with e.Message).
        Assert.Contains("volume is busy", e.Message, StringComparison.Ordinal);
        var status = JsonNode.Parse(reported!)!;
        Assert.Equal("Failed", (string?)status["phase"]);
        Assert.Contains("volume is busy", (string?)status["error"], StringComparison.Ordinal);
        await Poll.UntilAsync(() => h.Server.Get(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-e44012") is null, Timeout, "the failed VolumeSnapshot to be deleted");
        await Poll.UntilAsync(() => h.Server.Get(FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-e44012") is null, Timeout, "the failed WorkspaceSnapshot to be deleted");
    }

    [Fact]
    public async Task Snapshot_ForeignVolumeSnapshotOfTheSameName_IsAReportedConflictAndNeverTouched()
    {
        await using var h = await StartClusterAsync();
        using var web = await StartWebAsync(h);
        var snapshots = web.Services.GetRequiredService<IPrebuildSnapshots>();
        await CreateVolumeAsync(h, "someone-elses-volume");
        await h.Client.CustomObjects.CreateNamespacedCustomObjectAsync(
            new JsonObject
            {
                ["apiVersion"] = "snapshot.storage.k8s.io/v1",
                ["kind"] = "VolumeSnapshot",
                ["metadata"] = new JsonObject { ["name"] = "prebuild-f0f0f0", ["labels"] = new JsonObject { ["team"] = "data" } },
                ["spec"] = new JsonObject { ["volumeSnapshotClassName"] = "csi-hostpath-snapclass", ["source"] = new JsonObject { ["persistentVolumeClaimName"] = "someone-elses-volume" } },
            },
            FakeKubeApiServer.SnapshotGroup,
            "v1",
            Ns,
            "volumesnapshots");

        var e = await Assert.ThrowsAsync<IOException>(() => snapshots.SnapshotAsync("prebuild-f0f0f0", "app", "f0f0f0", 50L << 30, CancellationToken.None));

        Assert.Contains("A VolumeSnapshot named prebuild-f0f0f0 already exists and does not belong to this WorkspaceSnapshot", e.Message, StringComparison.Ordinal);
        await Poll.UntilAsync(() => h.Server.Get(FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-f0f0f0") is null, Timeout, "the refused WorkspaceSnapshot to be deleted");
        var foreign = h.Server.Get(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-f0f0f0")!;
        Assert.Null(foreign["metadata"]!["deletionTimestamp"]);
        Assert.Null(foreign["metadata"]!["ownerReferences"]);
        Assert.DoesNotContain(WorkspaceSnapshotDecider.VolumeSnapshotFinalizer, foreign["metadata"]!["finalizers"]?.AsArray().Select(f => (string?)f) ?? []);
        Assert.Equal("data", (string?)foreign["metadata"]!["labels"]!["team"]);
    }

    [Fact]
    public async Task Controller_RestartedMidDeletion_FinishesTheCleanup()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false, prebuildsChart: true);
        h.Server.AddVolumeSnapshotClass("csi-hostpath-snapclass");
        var first = await h.StartControllerAsync();
        using var web = await StartWebAsync(h);
        var snapshots = web.Services.GetRequiredService<IPrebuildSnapshots>();
        await PrebuildAsync(web, "5e5e5e");
        // The controller's hand is stopped between its delete of the VolumeSnapshot and the removal of its finalizer.
        h.Server.FailRequest = request => request.Method == "PATCH" && request.Path.Value!.Contains("/volumesnapshots/", StringComparison.Ordinal) ? 500 : null;

        await snapshots.DeleteAsync("5e5e5e", CancellationToken.None);
        await Poll.UntilAsync(() => h.Server.Get(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-5e5e5e")?["metadata"]?["deletionTimestamp"] is not null, Timeout, "the controller to delete the VolumeSnapshot");
        await h.StopControllerAsync(first);
        h.Server.FailRequest = null;
        var halfway = h.Server.Get(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-5e5e5e")!;
        Assert.Contains(WorkspaceSnapshotDecider.VolumeSnapshotFinalizer, Finalizers(halfway));
        Assert.Contains(WorkspaceSnapshotResource.Finalizer, Finalizers(h.Server.Get(FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-5e5e5e")!));

        await h.StartControllerAsync();

        await Poll.UntilAsync(() => h.Server.Get(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-5e5e5e") is null, Timeout, "the new controller to finish deleting the VolumeSnapshot");
        await Poll.UntilAsync(() => h.Server.Get(FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-5e5e5e") is null, Timeout, "the WorkspaceSnapshot to be released");
    }

    [Fact]
    public async Task Upgrade_LegacyVolumeSnapshotOfAnOlderWebApp_IsAdoptedRestoredFromAndDeleted()
    {
        await using var h = await StartClusterAsync();
        using var web = await StartWebAsync(h);
        var runtime = web.Services.GetRequiredService<IWorkspaceRuntime>();
        var snapshots = web.Services.GetRequiredService<IPrebuildSnapshots>();
        await CreateVolumeAsync(h, "ws-prebuild-1e9ac0");
        await CreateVolumeAsync(h, "ws-prebuild-0ddba1");
        // Like ours but without the finalizer: not an older web app's, never adopted.
        await CreateLegacyAsync(h, "0ddba1", withFinalizer: false);
        await CreateLegacyAsync(h, "1e9ac0", withFinalizer: true);

        var adopter = await Poll.UntilNotNullAsync(
            () => Task.FromResult(h.Server.Get(FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-1e9ac0") is { } s && (string?)s["status"]?["phase"] == "Ready" ? s : null),
            Timeout,
            "the migration to adopt the legacy VolumeSnapshot");
        var adopted = h.Server.Get(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-1e9ac0")!;
        Assert.Equal(true, (bool?)adopter["spec"]!["adoptLegacy"]);
        Assert.Equal((string?)adopter["metadata"]!["uid"], (string?)adopted["metadata"]!["ownerReferences"]![0]!["uid"]);
        Assert.Equal("workspaces-controller", (string?)adopted["metadata"]!["labels"]!["app.kubernetes.io/managed-by"]);
        Assert.Equal(["1e9ac0"], await snapshots.ListSnapshotsAsync(CancellationToken.None));
        Assert.Null(h.Server.Get(FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-0ddba1"));

        await snapshots.RestoreAsync("1e9ac0", "web-upgraded", "app", CancellationToken.None);
        var observed = await runtime.StartAsync(Launch("web-upgraded") with { Prebuild = new PrebuildBootstrap(false, null, "1e9ac0", "3f2a1c9d", 100, 5) }, CancellationToken.None);
        await snapshots.DeleteAsync("1e9ac0", CancellationToken.None);

        Assert.Equal(RuntimeState.Running, observed.State);
        Assert.Equal("prebuild-1e9ac0", (string?)h.Server.Get("/persistentvolumeclaims", Ns, "ws-web-upgraded")!["spec"]!["dataSource"]!["name"]);
        await Poll.UntilAsync(() => h.Server.Get(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-1e9ac0") is null, Timeout, "the adopted VolumeSnapshot to be deleted");
        await Poll.UntilAsync(() => h.Server.Get(FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-1e9ac0") is null, Timeout, "its WorkspaceSnapshot to be released");
        Assert.Null(h.Server.Get(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-0ddba1")!["metadata"]!["ownerReferences"]);
        Assert.Null(h.Server.Get(FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-0ddba1"));
    }

    /// <summary>A VolumeSnapshot as the web app made them before the controller owned them.</summary>
    private static Task<object> CreateLegacyAsync(ControllerHarness h, string prebuildId, bool withFinalizer)
    {
        var metadata = new JsonObject
        {
            ["name"] = "prebuild-" + prebuildId,
            ["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = "workspaces-web", ["workspaces.dev/prebuild"] = prebuildId },
        };
        if (withFinalizer)
        {
            metadata["finalizers"] = new JsonArray("workspaces.dev/prebuild-snapshot");
        }

        return h.Client.CustomObjects.CreateNamespacedCustomObjectAsync(
            new JsonObject
            {
                ["apiVersion"] = "snapshot.storage.k8s.io/v1",
                ["kind"] = "VolumeSnapshot",
                ["metadata"] = metadata,
                ["spec"] = new JsonObject { ["volumeSnapshotClassName"] = "csi-hostpath-snapclass", ["source"] = new JsonObject { ["persistentVolumeClaimName"] = "ws-prebuild-" + prebuildId } },
            },
            FakeKubeApiServer.SnapshotGroup,
            "v1",
            Ns,
            "volumesnapshots");
    }
}
