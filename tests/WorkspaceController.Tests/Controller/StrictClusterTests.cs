using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceController.Kubernetes;

namespace Workspaces.WorkspaceController.Tests.Controller;

/// <summary>
/// The fake API server refuses what a real one refuses (RBAC from the chart, names, ipBlocks, unconditional updates,
/// defaulting) and its kubelet misbehaves as real nodes do; the controller copes with each.
/// </summary>
public sealed class StrictClusterTests
{
    private const string Ns = ControllerHarness.Namespace;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Rbac_ChartsServiceAccounts_WebCannotTouchSecretsAndControllerCannotListThem()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false);
        using var web = h.Server.CreateClient(ControllerHarness.WebToken);
        using var controller = h.Server.CreateClient(ControllerHarness.ControllerToken);

        var webRead = await Assert.ThrowsAsync<HttpOperationException>(() => web.CoreV1.ReadNamespacedSecretAsync("ws-any", Ns));
        var controllerList = await Assert.ThrowsAsync<HttpOperationException>(() => controller.CoreV1.ListNamespacedSecretAsync(Ns));
        var otherLease = await Assert.ThrowsAsync<HttpOperationException>(() => controller.CoordinationV1.ReadNamespacedLeaseAsync("someone-elses-lease", Ns));

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, webRead.Response.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, controllerList.Response.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, otherLease.Response.StatusCode);
        Assert.Contains("cannot list resource", controllerList.Response.Content, StringComparison.Ordinal);
        Assert.NotNull(await web.CustomObjects.ListNamespacedCustomObjectAsync(WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, Ns, WorkspaceResource.Plural));
    }

    [Fact]
    public async Task Validation_BadNamesIpBlocksAndUnconditionalUpdates_Are422()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false);

        var service = await Assert.ThrowsAsync<HttpOperationException>(() => h.Client.CoreV1.CreateNamespacedServiceAsync(
            new V1Service { Metadata = new V1ObjectMeta { Name = "ws-app.v2" }, Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 80 }] } }, Ns));
        var secret = await Assert.ThrowsAsync<HttpOperationException>(() => h.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "Bad_Name" } }, Ns));
        var policy = await Assert.ThrowsAsync<HttpOperationException>(() => h.Client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(
            new V1NetworkPolicy
            {
                Metadata = new V1ObjectMeta { Name = "v6-in-v4" },
                Spec = new V1NetworkPolicySpec
                {
                    PodSelector = new V1LabelSelector(),
                    Egress = [new V1NetworkPolicyEgressRule { To = [new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = "0.0.0.0/0", Except = ["fd00::/8"] } }] }],
                },
            },
            Ns));
        var created = await h.CreateAsync(ControllerHarness.NewWorkspace("app-rv-required"));
        created.Metadata.ResourceVersion = null;
        var update = await Assert.ThrowsAsync<HttpOperationException>(() => h.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync<WorkspaceResource>(
            created, WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, Ns, WorkspaceResource.Plural, "app-rv-required"));

        Assert.All(new[] { service, secret, policy, update }, e => Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, e.Response.StatusCode));
        Assert.Contains("DNS-1035", service.Response.Content, StringComparison.Ordinal);
        Assert.Contains("strict subset", policy.Response.Content, StringComparison.Ordinal);
        Assert.Contains("resourceVersion", update.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Services_ExternalNameWithoutTargetUnnamedPortsOrNoPorts_Are422AndAClusterIpIsAssigned()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false);
        Task<V1Service> Create(V1ServiceSpec spec, string name = "api") => h.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service { Metadata = new V1ObjectMeta { Name = name }, Spec = spec }, Ns);

        var noTarget = await Assert.ThrowsAsync<HttpOperationException>(() => Create(new V1ServiceSpec { Type = "ExternalName" }));
        var unnamed = await Assert.ThrowsAsync<HttpOperationException>(() => Create(new V1ServiceSpec { Ports = [new V1ServicePort { Port = 80 }, new V1ServicePort { Port = 81 }] }));
        var noPorts = await Assert.ThrowsAsync<HttpOperationException>(() => Create(new V1ServiceSpec()));
        var duplicate = await Assert.ThrowsAsync<HttpOperationException>(() => Create(new V1ServiceSpec { Ports = [new V1ServicePort { Name = "a", Port = 80 }, new V1ServicePort { Name = "b", Port = 80 }] }));
        var created = await Create(new V1ServiceSpec { Ports = [new V1ServicePort { Port = 80 }] });
        var external = await Create(new V1ServiceSpec { Type = "ExternalName", ExternalName = "db.example.com" }, "db");

        Assert.All(new[] { noTarget, unnamed, noPorts, duplicate }, e => Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, e.Response.StatusCode));
        Assert.Contains("spec.externalName: Required value", noTarget.Response.Content, StringComparison.Ordinal);
        Assert.Contains("spec.ports[0].name: Required value", unnamed.Response.Content, StringComparison.Ordinal);
        Assert.Contains("spec.ports: Required value", noPorts.Response.Content, StringComparison.Ordinal);
        Assert.Contains("Duplicate value", duplicate.Response.Content, StringComparison.Ordinal);
        Assert.Equal("ClusterIP", created.Spec.Type);
        Assert.Equal("TCP", created.Spec.Ports[0].Protocol);
        Assert.StartsWith("10.96.", created.Spec.ClusterIP, StringComparison.Ordinal);
        Assert.Null(external.Spec.ClusterIP);
    }

    [Fact]
    public async Task VolumeSnapshots_BadNameTwoSourcesOrAChangedSpec_Are422AndTheWebHasNoRightOnThem()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false, prebuildsChart: true);
        using var web = h.Server.CreateClient(ControllerHarness.WebToken);
        using var controller = h.Server.CreateClient(ControllerHarness.ControllerToken);
        h.Server.AddVolumeSnapshotClass("csi-hostpath-snapclass");
        JsonObject Snapshot(string name, JsonObject source) => new()
        {
            ["apiVersion"] = "snapshot.storage.k8s.io/v1",
            ["kind"] = "VolumeSnapshot",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["volumeSnapshotClassName"] = "csi-hostpath-snapclass", ["source"] = source },
        };
        Task<object> Create(IKubernetes client, JsonObject body) =>
            client.CustomObjects.CreateNamespacedCustomObjectAsync(body, "snapshot.storage.k8s.io", "v1", Ns, "volumesnapshots");

        var badName = await Assert.ThrowsAsync<HttpOperationException>(() => Create(controller, Snapshot("Prebuild_1", new JsonObject { ["persistentVolumeClaimName"] = "ws-a" })));
        var twoSources = await Assert.ThrowsAsync<HttpOperationException>(() => Create(controller, Snapshot("two", new JsonObject { ["persistentVolumeClaimName"] = "ws-a", ["volumeSnapshotContentName"] = "c" })));
        await Create(controller, Snapshot("ok", new JsonObject { ["persistentVolumeClaimName"] = "ws-a" }));
        var stored = h.Server.Get("snapshot.storage.k8s.io/volumesnapshots", Ns, "ok")!;
        stored["spec"]!["source"]!["persistentVolumeClaimName"] = "ws-b";
        var changed = await Assert.ThrowsAsync<HttpOperationException>(() => h.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(stored, "snapshot.storage.k8s.io", "v1", Ns, "volumesnapshots", "ok"));
        var webCreate = await Assert.ThrowsAsync<HttpOperationException>(() => Create(web, Snapshot("web", new JsonObject { ["persistentVolumeClaimName"] = "ws-a" })));
        var webGet = await Assert.ThrowsAsync<HttpOperationException>(() => web.CustomObjects.GetNamespacedCustomObjectAsync("snapshot.storage.k8s.io", "v1", Ns, "volumesnapshots", "ok"));
        var webList = await Assert.ThrowsAsync<HttpOperationException>(() => web.CustomObjects.ListNamespacedCustomObjectAsync("snapshot.storage.k8s.io", "v1", Ns, "volumesnapshots"));
        var webDelete = await Assert.ThrowsAsync<HttpOperationException>(() => web.CustomObjects.DeleteNamespacedCustomObjectAsync("snapshot.storage.k8s.io", "v1", Ns, "volumesnapshots", "ok"));
        var controllerReadsClass = await Assert.ThrowsAsync<HttpOperationException>(() => controller.CustomObjects.GetClusterCustomObjectAsync("snapshot.storage.k8s.io", "v1", "volumesnapshotclasses", "csi-hostpath-snapclass"));

        Assert.All(new[] { badName, twoSources, changed }, e => Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, e.Response.StatusCode));
        Assert.Contains("RFC 1123", badName.Response.Content, StringComparison.Ordinal);
        Assert.Contains("Exactly one of", twoSources.Response.Content, StringComparison.Ordinal);
        Assert.Contains("immutable", changed.Response.Content, StringComparison.Ordinal);
        Assert.All(new[] { webCreate, webGet, webList, webDelete, controllerReadsClass }, e => Assert.Equal(System.Net.HttpStatusCode.Forbidden, e.Response.StatusCode));
        Assert.Contains("rel-workspaces-web", webGet.Response.Content, StringComparison.Ordinal);
        Assert.NotNull(h.Server.Get("snapshot.storage.k8s.io/volumesnapshots", Ns, "ok"));
        // The source volume does not exist: the snapshot controller says so in the status.
        await Poll.UntilAsync(() => h.Server.Get("snapshot.storage.k8s.io/volumesnapshots", Ns, "ok")?["status"]?["error"] is not null, Timeout, "the snapshot's error");
    }

    [Fact]
    public async Task WorkspaceSnapshots_BadNameBadSpecChangedSpecOrNoVersion_Are422AndTheWebMayOnlyCreateReadAndDelete()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false, prebuildsChart: true);
        using var web = h.Server.CreateClient(ControllerHarness.WebToken);
        const string Plural = "workspacesnapshots";
        JsonObject Snapshot(string name, JsonObject spec) => new()
        {
            ["apiVersion"] = "workspaces.dev/v1alpha1",
            ["kind"] = "WorkspaceSnapshot",
            ["metadata"] = new JsonObject { ["name"] = name, ["finalizers"] = new JsonArray("test.example/hold") },
            ["spec"] = spec,
        };
        Task<object> Create(JsonObject body) => web.CustomObjects.CreateNamespacedCustomObjectAsync(body, "workspaces.dev", "v1alpha1", Ns, Plural);

        var badName = await Assert.ThrowsAsync<HttpOperationException>(() => Create(Snapshot("Prebuild_1", new JsonObject { ["workspace"] = "prebuild-1" })));
        var both = await Assert.ThrowsAsync<HttpOperationException>(() => Create(Snapshot("both", new JsonObject { ["workspace"] = "prebuild-1", ["adoptLegacy"] = true })));
        var neither = await Assert.ThrowsAsync<HttpOperationException>(() => Create(Snapshot("neither", new JsonObject { ["volumeSnapshotClassName"] = "c" })));
        var unknownField = await Assert.ThrowsAsync<HttpOperationException>(() => Create(Snapshot("typo", new JsonObject { ["workspace"] = "prebuild-1", ["workspaceName"] = "x" })));
        await Create(Snapshot("prebuild-1", new JsonObject { ["workspace"] = "prebuild-1" }));
        var stored = h.Server.Get(FakeKubernetes.FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-1")!;
        var changed = (JsonObject)stored.DeepClone();
        changed["spec"]!["workspace"] = "prebuild-2";
        var specChange = await Assert.ThrowsAsync<HttpOperationException>(() => h.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(changed, "workspaces.dev", "v1alpha1", Ns, Plural, "prebuild-1"));
        var unversioned = (JsonObject)stored.DeepClone();
        ((JsonObject)unversioned["metadata"]!).Remove("resourceVersion");
        var noVersion = await Assert.ThrowsAsync<HttpOperationException>(() => h.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(unversioned, "workspaces.dev", "v1alpha1", Ns, Plural, "prebuild-1"));
        stored["status"] = new JsonObject { ["phase"] = "Ready", ["readyToUse"] = true };
        var webStatus = await Assert.ThrowsAsync<HttpOperationException>(() => web.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(stored, "workspaces.dev", "v1alpha1", Ns, Plural, "prebuild-1"));
        var webUpdate = await Assert.ThrowsAsync<HttpOperationException>(() => web.CustomObjects.ReplaceNamespacedCustomObjectAsync(stored, "workspaces.dev", "v1alpha1", Ns, Plural, "prebuild-1"));
        var createdStatus = h.Server.Get(FakeKubernetes.FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-1")!["status"];
        await web.CustomObjects.DeleteNamespacedCustomObjectAsync("workspaces.dev", "v1alpha1", Ns, Plural, "prebuild-1");

        Assert.All(new[] { badName, both, neither, unknownField, specChange, noVersion }, e => Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, e.Response.StatusCode));
        Assert.Contains("metadata.name", badName.Response.Content, StringComparison.Ordinal);
        Assert.Contains("exactly one of spec.workspace and spec.adoptLegacy", both.Response.Content, StringComparison.Ordinal);
        Assert.Contains("exactly one of spec.workspace and spec.adoptLegacy", neither.Response.Content, StringComparison.Ordinal);
        Assert.Contains("workspaceName", unknownField.Response.Content, StringComparison.Ordinal);
        Assert.Contains("spec is immutable", specChange.Response.Content, StringComparison.Ordinal);
        Assert.Contains("resourceVersion", noVersion.Response.Content, StringComparison.Ordinal);
        Assert.All(new[] { webStatus, webUpdate }, e => Assert.Equal(System.Net.HttpStatusCode.Forbidden, e.Response.StatusCode));
        Assert.Null(createdStatus);
        // A finalizer keeps it, marked deleted, until its holder lets go.
        var deleting = h.Server.Get(FakeKubernetes.FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-1")!;
        Assert.NotNull(deleting["metadata"]!["deletionTimestamp"]);
        deleting["metadata"]!["finalizers"] = new JsonArray();
        await h.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(deleting, "workspaces.dev", "v1alpha1", Ns, Plural, "prebuild-1");
        Assert.Null(h.Server.Get(FakeKubernetes.FakeKubeApiServer.WorkspaceSnapshots, Ns, "prebuild-1"));
    }

    [Fact]
    public async Task WorkspacePod_EveryClass_RequestsLessEphemeralStorageThanItsLimit()
    {
        await using var h = await ControllerHarness.StartAsync();
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-disk"));
        await h.WaitForPhaseAsync("app-disk", WorkspaceStatusPhase.Running);

        // The API server defaults a missing request to the limit: what is stored is what the scheduler reserves.
        var resources = h.Pod("app-disk")!["spec"]!["containers"]![0]!["resources"]!;
        Assert.Equal("1Gi", (string?)resources["requests"]!["ephemeral-storage"]);
        Assert.Equal("10Gi", (string?)resources["limits"]!["ephemeral-storage"]);
    }

    [Fact]
    public async Task BlockedCidrs_AnIPv6Network_ThePolicyIsAcceptedAndTheWorkspaceRuns()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false);
        await h.StartControllerAsync(settings: new Dictionary<string, string?>
        {
            ["Workspaces:Controller:BlockedCidrs:0"] = "10.0.0.0/8",
            ["Workspaces:Controller:BlockedCidrs:1"] = "fd00::/8",
        });

        await h.CreateAsync(ControllerHarness.NewWorkspace("app-v6"));

        await h.WaitForPhaseAsync("app-v6", WorkspaceStatusPhase.Running);
        var blocks = h.Server.Get("networking.k8s.io/networkpolicies", Ns, "ws-app-v6")!["spec"]!["egress"]!.AsArray()
            .SelectMany(r => r!["to"]?.AsArray() ?? []).Select(p => p!["ipBlock"]).OfType<JsonObject>().ToList();
        Assert.Contains(blocks, b => (string?)b["cidr"] == "::/0" && (string?)b["except"]![0] == "fd00::/8");
    }

    [Fact]
    public async Task NameTooLongForItsChildren_OldCrdWithoutTheNameRule_FailsWithThe422InTheStatus()
    {
        // Helm never upgrades a CRD: a cluster may still run one without the name rule, so the controller must say why.
        await using var h = await ControllerHarness.StartAsync(validateWorkspaces: false);
        var name = "app-" + new string('x', 58);

        await h.CreateAsync(ControllerHarness.NewWorkspace(name));

        var failed = await h.WaitForPhaseAsync(name, WorkspaceStatusPhase.Failed);
        Assert.Contains("422", failed.Status!.Message, StringComparison.Ordinal);
        Assert.Contains("Kubernetes refused", failed.Status.Message, StringComparison.Ordinal);
        Assert.Null(h.Pod(name));
    }

    [Fact]
    public async Task CloneInitContainerFails_Workspace_FailsWithTheClonesMessageAndNoPod()
    {
        await using var h = await ControllerHarness.StartAsync();
        h.Server.Kubelet.AutoStart = false;
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-clone"));
        await Poll.UntilAsync(() => h.Pod("app-clone") is not null, Timeout, "the pod");

        h.Server.Kubelet.InitContainerFails(Ns, "ws-app-clone", "clone", 1, "Cloning https://git.example/team/app.git failed: authentication required");

        var failed = await h.WaitForPhaseAsync("app-clone", WorkspaceStatusPhase.Failed);
        Assert.Contains("authentication required", failed.Status!.Message, StringComparison.Ordinal);
        Assert.Contains("Cloning", failed.Status.Message, StringComparison.Ordinal);
        await Poll.UntilAsync(() => h.Pod("app-clone") is null, Timeout, "the failed pod to be deleted");
        Assert.Contains("CloneFailed", h.EventReasons("app-clone"));
    }

    [Fact]
    public async Task SecretMissing_PodHasCreateContainerConfigError_StatusSaysSoUntilTheResyncRestoresIt()
    {
        await using var h = await ControllerHarness.StartAsync();
        h.Server.Kubelet.AutoStart = false;
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-nosecret"));
        await Poll.UntilAsync(() => h.Pod("app-nosecret") is not null, Timeout, "the pod");
        h.Server.Remove("/secrets", Ns, "ws-app-nosecret");

        Assert.False(h.Server.Kubelet.Start(Ns, "ws-app-nosecret"));

        await h.WaitForPhaseAsync("app-nosecret", WorkspaceStatusPhase.Starting, and: w => w.Status!.Message?.Contains("CreateContainerConfigError", StringComparison.Ordinal) == true);
        await Poll.UntilAsync(() => h.Server.Get("/secrets", Ns, "ws-app-nosecret") is not null, Timeout, "the resync to recreate the secret");
        Assert.True(h.Server.Kubelet.Start(Ns, "ws-app-nosecret"));
        await h.WaitForPhaseAsync("app-nosecret", WorkspaceStatusPhase.Running);
    }

    [Fact]
    public async Task NodeLost_RunningWorkspace_TheStuckPodIsForceDeletedAndANewOneRuns()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await h.StartControllerAsync(timeProvider: time);
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-node"));
        await h.WaitForPhaseAsync("app-node", WorkspaceStatusPhase.Running);
        var uid = (string?)h.Pod("app-node")!["metadata"]!["uid"];

        h.Server.Kubelet.NodeLost(Ns, "ws-app-node");
        await h.WaitForPhaseAsync("app-node", WorkspaceStatusPhase.Starting);
        Assert.Equal(uid, (string?)h.Pod("app-node")?["metadata"]?["uid"]);

        await Poll.UntilAsync(
            () =>
            {
                time.Advance(TimeSpan.FromSeconds(15));
                return h.Pod("app-node") is { } pod && (string?)pod["metadata"]!["uid"] != uid;
            },
            Timeout,
            "a new pod after the lost one");
        await h.WaitForPhaseAsync("app-node", WorkspaceStatusPhase.Running);
        Assert.Contains("NodeLost", h.EventReasons("app-node"));
    }
}
