using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Workspaces.FakeKubernetes;
using Workspaces.Shared.Prebuilds;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceController.Kubernetes.Prebuilds;
using Workspaces.WorkspaceController.Kubernetes.Runtime;
using Workspaces.WorkspaceController.Kubernetes.Snapshots;
using Workspaces.WorkspaceController.Prebuilds;
using Workspaces.WorkspaceController.Runtime;
using Workspaces.WorkspaceController.Tests.Controller;

namespace Workspaces.WorkspaceController.Tests.Kubernetes.Prebuilds;

/// <summary>
/// Prebuilds on Kubernetes as the web app runs them (its service account, the chart's RBAC with prebuilds on): the
/// headless workspace's volume becomes a CSI VolumeSnapshot on the fake API server, whose snapshot controller binds,
/// readies or fails it; a new workspace's volume is created from it.
/// </summary>
public sealed class VolumeSnapshotPrebuildsTests
{
    private const string Ns = ControllerHarness.Namespace;
    private const string SnapshotClass = "csi-hostpath-snapclass";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Snapshot_StoppedPrebuildWorkspace_ProducesAReadyVolumeSnapshotOfItsVolume()
    {
        await using var h = await StartClusterAsync();
        using var web = await StartWebAsync(h);
        var runtime = web.Services.GetRequiredService<IWorkspaceRuntime>();
        var snapshots = web.Services.GetRequiredService<IPrebuildSnapshots>();

        await runtime.StartAsync(Launch("prebuild-0a1b2c") with { Prebuild = new PrebuildBootstrap(Headless: true, "3f2a1c9d", null, null, 0, 0) }, CancellationToken.None);
        var bootstrap = Bootstrap(h, "prebuild-0a1b2c");
        var mounts = h.Pod("prebuild-0a1b2c")!["spec"]!["containers"]![0]!["volumeMounts"]!.AsArray().Select(m => (string?)m!["mountPath"]).ToList();
        await runtime.StopAsync("prebuild-0a1b2c", CancellationToken.None);
        var snapshot = await snapshots.SnapshotAsync("prebuild-0a1b2c", "app", "0a1b2c", 50L << 30, CancellationToken.None);

        // The agent runs headless at the commit; its state and home never touch the volume that is snapshotted.
        Assert.Equal(true, (bool?)bootstrap["prebuild"]!["headless"]);
        Assert.Equal("3f2a1c9d", (string?)bootstrap["prebuild"]!["commit"]);
        Assert.Contains("/workspace/.workspace", mounts);
        Assert.Contains("/workspace/.home", mounts);
        var stored = h.Server.Get(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-0a1b2c")!;
        Assert.Equal("ws-prebuild-0a1b2c", (string?)stored["spec"]!["source"]!["persistentVolumeClaimName"]);
        Assert.Equal(SnapshotClass, (string?)stored["spec"]!["volumeSnapshotClassName"]);
        Assert.Equal(true, (bool?)stored["status"]!["readyToUse"]);
        Assert.Contains(WorkspaceSnapshotDecider.VolumeSnapshotFinalizer, Finalizers(stored));
        var owner = stored["metadata"]!["ownerReferences"]![0]!;
        var request = h.Server.Get(FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-0a1b2c")!;
        Assert.Equal("WorkspaceSnapshot", (string?)owner["kind"]);
        Assert.Equal((string?)request["metadata"]!["uid"], (string?)owner["uid"]);
        Assert.Equal(true, (bool?)owner["controller"]);
        Assert.Contains(WorkspaceSnapshotResource.Finalizer, Finalizers(request));
        Assert.Equal("Ready", (string?)request["status"]!["phase"]);
        Assert.Equal("10Gi", (string?)request["status"]!["restoreSize"]);
        Assert.Equal(VolumeSnapshotPrebuilds.Storage, snapshot.Storage);
        Assert.Equal(10L << 30, snapshot.SizeBytes);
        Assert.Equal(["0a1b2c"], await snapshots.ListSnapshotsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Start_FromPrebuild_CreatesTheVolumeFromTheSnapshotAndTellsTheAgent()
    {
        await using var h = await StartClusterAsync();
        using var web = await StartWebAsync(h);
        var runtime = web.Services.GetRequiredService<IWorkspaceRuntime>();
        var snapshots = web.Services.GetRequiredService<IPrebuildSnapshots>();
        await PrebuildAsync(web, "5e6f7a");
        Assert.Null(h.Server.Get("/persistentvolumeclaims", Ns, "ws-prebuild-5e6f7a"));

        Assert.False(snapshots.HasCheckout("web-from", "app"));
        await snapshots.RestoreAsync("5e6f7a", "web-from", "app", CancellationToken.None);
        var observed = await runtime.StartAsync(Launch("web-from") with { Prebuild = new PrebuildBootstrap(false, null, "5e6f7a", "3f2a1c9d", 100, 12) }, CancellationToken.None);

        Assert.Equal(RuntimeState.Running, observed.State);
        var dataSource = h.Server.Get("/persistentvolumeclaims", Ns, "ws-web-from")!["spec"]!["dataSource"]!;
        Assert.Equal("snapshot.storage.k8s.io", (string?)dataSource["apiGroup"]);
        Assert.Equal("VolumeSnapshot", (string?)dataSource["kind"]);
        Assert.Equal("prebuild-5e6f7a", (string?)dataSource["name"]);
        Assert.Equal("Bound", (string?)h.Server.Get("/persistentvolumeclaims", Ns, "ws-web-from")!["status"]?["phase"]);
        var bootstrap = Bootstrap(h, "web-from");
        Assert.Equal("5e6f7a", (string?)bootstrap["prebuild"]!["fromPrebuildId"]);
        Assert.Equal("3f2a1c9d", (string?)bootstrap["prebuild"]!["fromCommit"]);
        Assert.True(snapshots.HasCheckout("web-from", "app"));

        // A later start keeps the volume's files: the agent is never told they came from a prebuild again.
        await runtime.StopAsync("web-from", CancellationToken.None);
        await runtime.StartAsync(Launch("web-from") with { Prebuild = new PrebuildBootstrap(false, null, "5e6f7a", "3f2a1c9d", 100, 12) }, CancellationToken.None);
        Assert.Null(Bootstrap(h, "web-from")["prebuild"]);
    }

    [Fact]
    public async Task Snapshot_NeverReady_FailsAtTheTimeoutLeavingNoSnapshotAndNothingToRestore()
    {
        await using var h = await StartClusterAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var web = await StartWebAsync(h, time);
        var snapshots = web.Services.GetRequiredService<IPrebuildSnapshots>();
        await CreateVolumeAsync(h, "ws-prebuild-dead01");
        h.Server.SnapshotsNeverReady = true;

        var snapshotting = snapshots.SnapshotAsync("prebuild-dead01", "app", "dead01", 50L << 30, CancellationToken.None);
        await Poll.UntilAsync(() => h.Server.Get(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-dead01")?["status"] is not null, Timeout, "the snapshot to be bound");
        await Poll.UntilAsync(
            () =>
            {
                time.Advance(TimeSpan.FromMinutes(1));
                return snapshotting.IsCompleted;
            },
            Timeout,
            "the snapshot to time out");

        var e = await Assert.ThrowsAsync<IOException>(() => snapshotting);
        Assert.Contains("not ready to use after 15 minutes", e.Message, StringComparison.Ordinal);
        Assert.Contains("SnapshotTimeout", e.Message, StringComparison.Ordinal);
        await Poll.UntilAsync(() => h.Server.Get(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-dead01") is null, Timeout, "the abandoned snapshot to be deleted");
        Assert.Empty(await snapshots.ListSnapshotsAsync(CancellationToken.None));
        await Assert.ThrowsAsync<SnapshotUnusableException>(() => snapshots.RestoreAsync("dead01", "web-x", "app", CancellationToken.None));
    }

    [Fact]
    public async Task Snapshot_NoControllerTakesItUp_FailsAtTheTimeoutNamingTheControllersSetting()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false, prebuildsChart: true);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var web = await StartWebAsync(h, time);
        var snapshots = web.Services.GetRequiredService<IPrebuildSnapshots>();

        var snapshotting = snapshots.SnapshotAsync("prebuild-10ca11", "app", "10ca11", 50L << 30, CancellationToken.None);
        await Poll.UntilAsync(() => h.Server.Get(FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-10ca11") is not null, Timeout, "the WorkspaceSnapshot to be created");
        await Poll.UntilAsync(
            () =>
            {
                time.Advance(TimeSpan.FromMinutes(1));
                return snapshotting.IsCompleted;
            },
            Timeout,
            "the snapshot to time out");

        var e = await Assert.ThrowsAsync<IOException>(() => snapshotting);
        Assert.Contains("Workspaces:Controller:Snapshots:Enabled", e.Message, StringComparison.Ordinal);
        Assert.Empty(h.Server.List(FakeKubeApiServer.VolumeSnapshots, Ns));
        Assert.Null(h.Server.Get(FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-10ca11"));
    }

    [Fact]
    public async Task Snapshot_DriverFails_FailsWithTheDriversMessageLeavingNoSnapshot()
    {
        await using var h = await StartClusterAsync();
        using var web = await StartWebAsync(h);
        var snapshots = web.Services.GetRequiredService<IPrebuildSnapshots>();
        await CreateVolumeAsync(h, "ws-prebuild-bad002");
        h.Server.FailSnapshots = "volume is busy";

        var e = await Assert.ThrowsAsync<IOException>(() => snapshots.SnapshotAsync("prebuild-bad002", "app", "bad002", 50L << 30, CancellationToken.None));

        Assert.Contains("volume is busy", e.Message, StringComparison.Ordinal);
        Assert.Contains(SnapshotClass, e.Message, StringComparison.Ordinal);
        await Poll.UntilAsync(() => h.Server.Get(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-bad002") is null, Timeout, "the failed snapshot to be deleted");
    }

    [Fact]
    public async Task Snapshot_ClassMissingFromTheCluster_FailsNamingTheClass()
    {
        await using var h = await ControllerHarness.StartAsync(prebuildsChart: true);
        using var web = await StartWebAsync(h);
        var snapshots = web.Services.GetRequiredService<IPrebuildSnapshots>();
        await CreateVolumeAsync(h, "ws-prebuild-c1a55e");

        var e = await Assert.ThrowsAsync<IOException>(() => snapshots.SnapshotAsync("prebuild-c1a55e", "app", "c1a55e", 50L << 30, CancellationToken.None));

        Assert.Contains($"volumesnapshotclass.snapshot.storage.k8s.io \"{SnapshotClass}\" not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshot_RestoreSizeAboveTheLimit_IsRefusedWithTheSize()
    {
        await using var h = await StartClusterAsync();
        using var web = await StartWebAsync(h);
        var snapshots = web.Services.GetRequiredService<IPrebuildSnapshots>();
        await CreateVolumeAsync(h, "ws-prebuild-b16b16");

        var e = await Assert.ThrowsAsync<SnapshotTooLargeException>(() => snapshots.SnapshotAsync("prebuild-b16b16", "app", "b16b16", 1L << 30, CancellationToken.None));

        Assert.Equal(10L << 30, e.SizeBytes);
        await Poll.UntilAsync(() => h.Server.Get(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-b16b16") is null, Timeout, "the refused snapshot to be deleted");
    }

    [Fact]
    public async Task Restore_SnapshotDeletedBehindOurBack_IsUnusableAndTheWorkspaceStartsWithAnEmptyVolume()
    {
        await using var h = await StartClusterAsync();
        using var web = await StartWebAsync(h);
        var runtime = web.Services.GetRequiredService<IWorkspaceRuntime>();
        var snapshots = web.Services.GetRequiredService<IPrebuildSnapshots>();
        await PrebuildAsync(web, "0bad01");

        // kubectl delete: the finalizer holds it until the web app has seen it and marked the prebuild bad.
        await h.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(FakeKubeApiServer.SnapshotGroup, "v1", Ns, "volumesnapshots", "prebuild-0bad01");
        await Poll.UntilAsync(() => h.Server.Get(FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-0bad01")?["status"]?["error"] is not null, Timeout, "the controller to report the deletion");
        var e = await Assert.ThrowsAsync<SnapshotUnusableException>(() => snapshots.RestoreAsync("0bad01", "web-plain", "app", CancellationToken.None));
        await snapshots.DeleteAsync("0bad01", CancellationToken.None);
        var observed = await runtime.StartAsync(Launch("web-plain"), CancellationToken.None);

        Assert.Contains("being deleted", e.Message, StringComparison.Ordinal);
        await Poll.UntilAsync(() => h.Server.Get(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-0bad01") is null, Timeout, "the snapshot to be gone");
        Assert.Equal(RuntimeState.Running, observed.State);
        Assert.Null(h.Server.Get("/persistentvolumeclaims", Ns, "ws-web-plain")!["spec"]!["dataSource"]);
        Assert.Null(Bootstrap(h, "web-plain")["prebuild"]);
    }

    [Fact]
    public async Task Retention_DeletedPrebuild_DeletesItsVolumeSnapshotOnly()
    {
        await using var h = await StartClusterAsync();
        using var web = await StartWebAsync(h);
        var snapshots = web.Services.GetRequiredService<IPrebuildSnapshots>();
        await PrebuildAsync(web, "01d001");
        await PrebuildAsync(web, "2e2002");

        await snapshots.DeleteAsync("01d001", CancellationToken.None);

        await Poll.UntilAsync(() => h.Server.Get(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-01d001") is null, Timeout, "the old prebuild's snapshot to be deleted");
        Assert.Equal(["2e2002"], await snapshots.ListSnapshotsAsync(CancellationToken.None));
        Assert.Equal(true, (bool?)h.Server.Get(FakeKubeApiServer.VolumeSnapshots, Ns, "prebuild-2e2002")!["status"]!["readyToUse"]);
        await snapshots.DeleteAsync("01d001", CancellationToken.None);
    }

    [Fact]
    public void Options_VolumeSnapshotWithoutAClass_NameTheKey()
    {
        var result = new KubernetesPrebuildOptionsValidator().Validate(null, new KubernetesPrebuildOptions { Storage = KubernetesSnapshotStorage.VolumeSnapshot, SnapshotTimeout = TimeSpan.FromSeconds(1) });

        Assert.Contains(result.Failures!, f => f.StartsWith("Workspaces:Runtime:Kubernetes:Prebuilds:VolumeSnapshotClass", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Workspaces:Runtime:Kubernetes:Prebuilds:SnapshotTimeout", StringComparison.Ordinal));
    }

    /// <summary>What the web app's runner does: a headless workspace, stopped, snapshotted, deleted.</summary>
    internal static async Task PrebuildAsync(IHost web, string prebuildId)
    {
        var runtime = web.Services.GetRequiredService<IWorkspaceRuntime>();
        var workspaceId = "prebuild-" + prebuildId;
        await runtime.StartAsync(Launch(workspaceId) with { Prebuild = new PrebuildBootstrap(Headless: true, null, null, null, 0, 0) }, CancellationToken.None);
        await runtime.StopAsync(workspaceId, CancellationToken.None);
        await web.Services.GetRequiredService<IPrebuildSnapshots>().SnapshotAsync(workspaceId, "app", prebuildId, 50L << 30, CancellationToken.None);
        await runtime.DeleteAsync(workspaceId, CancellationToken.None);
    }

    internal static async Task<ControllerHarness> StartClusterAsync()
    {
        var h = await ControllerHarness.StartAsync(prebuildsChart: true);
        h.Server.AddVolumeSnapshotClass(SnapshotClass);
        return h;
    }

    internal static async Task CreateVolumeAsync(ControllerHarness h, string name) =>
        await h.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(
            new V1PersistentVolumeClaim
            {
                Metadata = new V1ObjectMeta { Name = name },
                Spec = new V1PersistentVolumeClaimSpec
                {
                    AccessModes = ["ReadWriteOnce"],
                    Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("10Gi") } },
                },
            },
            Ns);

    private static JsonObject Bootstrap(ControllerHarness h, string workspaceId) =>
        JsonNode.Parse(Convert.FromBase64String((string)h.Server.Get("/secrets", Ns, "ws-" + workspaceId)!["data"]!["bootstrap.json"]!))!.AsObject();

    internal static List<string> Finalizers(JsonObject o) => [.. o["metadata"]!["finalizers"]!.AsArray().Select(f => (string)f!)];

    internal static WorkspaceLaunch Launch(string id) =>
        new(id, "https://git.example/team/app.git", "main", "app", "secret-" + id, null, new Dictionary<string, string> { ["TOKEN"] = "project-secret" }) { OwnerId = "user-7" };

    internal static async Task<IHost> StartWebAsync(ControllerHarness h, TimeProvider? timeProvider = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Workspaces:Runtime:Kind"] = "Kubernetes",
            ["Workspaces:Runtime:Kubernetes:Namespace"] = Ns,
            ["Workspaces:Runtime:Kubernetes:CredentialKey"] = ControllerHarness.CredentialKey,
            ["Workspaces:Runtime:Kubernetes:StartTimeout"] = "00:00:30",
            ["Workspaces:Runtime:Kubernetes:StopTimeout"] = "00:00:10",
            ["Workspaces:Runtime:Kubernetes:Prebuilds:Storage"] = "VolumeSnapshot",
            ["Workspaces:Runtime:Kubernetes:Prebuilds:VolumeSnapshotClass"] = SnapshotClass,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(h.Server.CreateClient(ControllerHarness.WebToken));
        if (timeProvider is not null)
        {
            builder.Services.AddSingleton(timeProvider);
        }

        builder.Services.AddKubernetesWorkspaceRuntime(builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
