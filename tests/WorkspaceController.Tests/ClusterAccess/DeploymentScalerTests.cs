using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Workspaces.FakeKubernetes;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceController.ClusterAccess;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Tests.Controller;
using Workspaces.WorkspaceController.Tests.Helm;

namespace Workspaces.WorkspaceController.Tests.ClusterAccess;

/// <summary>
/// A project's "scale to zero on stop", by the controller acting with the chart's RBAC on the fake API server (which
/// models Deployments and their scale subresource): the stop records and zeroes replicas, the start puts them back.
/// </summary>
public sealed class DeploymentScalerTests
{
    private const string Ns = ControllerHarness.Namespace;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static async Task<ControllerHarness> StartAsync(List<JsonObject>? chart = null)
    {
        var h = await ControllerHarness.StartAsync(startController: false, clusterAccessChart: true);
        if (chart is not null)
        {
            h.Server.Rbac = FakeRbac.FromManifests(chart, Ns);
        }

        await h.StartControllerAsync(settings: ClusterAccessControllerTests.Settings());
        return h;
    }

    private static WorkspaceResource WithAccess(string name, bool scaleToZero)
    {
        var workspace = ControllerHarness.NewWorkspace(name);
        workspace.Spec.ClusterAccess = new WorkspaceClusterAccess { Namespace = $"dev-{name}", ScaleToZeroOnStop = scaleToZero };
        return workspace;
    }

    private static async Task RunningWithTokenAsync(ControllerHarness h, string name) =>
        await h.WaitForPhaseAsync(name, WorkspaceStatusPhase.Running, Timeout, w => w.Status?.ClusterAccess?.TokenExpiresAt is not null);

    /// <summary>A Deployment as the developer's <c>kubectl apply</c> makes it (null replicas: the API server's default, 1).</summary>
    private static async Task DeployAsync(ControllerHarness h, string ns, string name, int? replicas)
    {
        var labels = new Dictionary<string, string> { ["app"] = name };
        await h.Client.AppsV1.CreateNamespacedDeploymentAsync(
            new V1Deployment
            {
                Metadata = new V1ObjectMeta { Name = name },
                Spec = new V1DeploymentSpec
                {
                    Replicas = replicas,
                    Selector = new V1LabelSelector { MatchLabels = labels },
                    Template = new V1PodTemplateSpec
                    {
                        Metadata = new V1ObjectMeta { Labels = labels },
                        Spec = new V1PodSpec { Containers = [new V1Container { Name = name, Image = $"registry.example/{name}:dev" }] },
                    },
                },
            },
            ns);
    }

    private static long? Replicas(ControllerHarness h, string ns, string name) => (long?)h.Server.Get(FakeKubeApiServer.Deployments, ns, name)!["spec"]!["replicas"];

    private static string? Recorded(ControllerHarness h, string ns, string name) =>
        (string?)h.Server.Get(FakeKubeApiServer.Deployments, ns, name)!["metadata"]!["annotations"]?[DeploymentScaler.ReplicasAnnotation];

    private static async Task StopAsync(ControllerHarness h, string name)
    {
        await h.UpdateSpecAsync(name, s => s.DesiredState = DesiredState.Stopped);
        await h.WaitForPhaseAsync(name, WorkspaceStatusPhase.Stopped, Timeout, w => w.Status?.ClusterAccess?.TokenExpiresAt is null);
    }

    [Fact]
    public async Task Stop_ScaleToZeroOnStop_ScalesDeploymentsToZeroAndRecordsTheirReplicas()
    {
        await using var h = await StartAsync();
        await h.CreateAsync(WithAccess("app-zero", scaleToZero: true));
        await RunningWithTokenAsync(h, "app-zero");
        await DeployAsync(h, "dev-app-zero", "api", 3);
        await DeployAsync(h, "dev-app-zero", "web", null);
        await DeployAsync(h, "dev-app-zero", "idle", 0);

        await h.UpdateSpecAsync("app-zero", s => s.DesiredState = DesiredState.Stopped);
        var stopped = await h.WaitForPhaseAsync("app-zero", WorkspaceStatusPhase.Stopped, Timeout, w => w.Status?.ClusterAccess?.ScaledToZero == true);

        Assert.Null(stopped.Status!.ClusterAccess!.TokenExpiresAt);
        Assert.Equal((0L, "3"), (Replicas(h, "dev-app-zero", "api"), Recorded(h, "dev-app-zero", "api")));
        Assert.Equal((0L, "1"), (Replicas(h, "dev-app-zero", "web"), Recorded(h, "dev-app-zero", "web")));
        // Already at zero: nothing to give back at the start.
        Assert.Equal((0L, null), (Replicas(h, "dev-app-zero", "idle"), Recorded(h, "dev-app-zero", "idle")));
        var message = (string)h.Server.List("/events", Ns).Single(e => (string?)e["reason"] == "ScaledToZero")["message"]!;
        Assert.Contains("Scaled 2 Deployments in dev-app-zero to zero: api (3), web (1)", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_AfterAStopThatScaledToZero_RestoresReplicasAndLeavesWhatWasChangedMeanwhile()
    {
        await using var h = await StartAsync();
        await h.CreateAsync(WithAccess("app-back", scaleToZero: true));
        await RunningWithTokenAsync(h, "app-back");
        await DeployAsync(h, "dev-app-back", "api", 3);
        await DeployAsync(h, "dev-app-back", "web", 2);
        await h.UpdateSpecAsync("app-back", s => s.DesiredState = DesiredState.Stopped);
        await h.WaitForPhaseAsync("app-back", WorkspaceStatusPhase.Stopped, Timeout, w => w.Status?.ClusterAccess?.ScaledToZero == true);
        // While stopped: someone scales web by hand and deploys a new worker.
        var web = await h.Client.AppsV1.ReadNamespacedDeploymentScaleAsync("web", "dev-app-back");
        web.Spec.Replicas = 4;
        await h.Client.AppsV1.ReplaceNamespacedDeploymentScaleAsync(web, "web", "dev-app-back");
        await DeployAsync(h, "dev-app-back", "worker", 2);

        await h.UpdateSpecAsync("app-back", s => s.DesiredState = DesiredState.Running);
        var running = await h.WaitForPhaseAsync("app-back", WorkspaceStatusPhase.Running, Timeout, w => w.Status?.ClusterAccess is { TokenExpiresAt: not null, ScaledToZero: null });

        Assert.Equal(ClusterAccessPhase.Ready, running.Status!.ClusterAccess!.Phase);
        Assert.Equal((3L, null), (Replicas(h, "dev-app-back", "api"), Recorded(h, "dev-app-back", "api")));
        Assert.Equal((4L, null), (Replicas(h, "dev-app-back", "web"), Recorded(h, "dev-app-back", "web")));
        Assert.Equal((2L, null), (Replicas(h, "dev-app-back", "worker"), Recorded(h, "dev-app-back", "worker")));
        var message = (string)h.Server.List("/events", Ns).Single(e => (string?)e["reason"] == "ScaledBack")["message"]!;
        Assert.Equal("Scaled 1 Deployment in dev-app-back back: api (3). Left as changed while the workspace was stopped: web (4).", message);
    }

    [Fact]
    public async Task Start_StatusLostTheScaledToZeroFlag_StillRestoresFromTheAnnotations()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false, clusterAccessChart: true);
        var controller = await h.StartControllerAsync(settings: ClusterAccessControllerTests.Settings());
        await h.CreateAsync(WithAccess("app-lost", scaleToZero: true));
        await RunningWithTokenAsync(h, "app-lost");
        await DeployAsync(h, "dev-app-lost", "api", 3);
        await h.UpdateSpecAsync("app-lost", s => s.DesiredState = DesiredState.Stopped);
        await h.WaitForPhaseAsync("app-lost", WorkspaceStatusPhase.Stopped, Timeout, w => w.Status?.ClusterAccess?.ScaledToZero == true);
        // The flag is lost, as when its status write loses a race with the web app's start and the controller restarts.
        await h.StopControllerAsync(controller);
        var stopped = (await h.GetAsync("app-lost"))!;
        stopped.Status!.ClusterAccess!.ScaledToZero = null;
        await h.Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<WorkspaceResource>(stopped, WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, Ns, WorkspaceResource.Plural, "app-lost");

        await h.UpdateSpecAsync("app-lost", s => s.DesiredState = DesiredState.Running);
        await h.StartControllerAsync(settings: ClusterAccessControllerTests.Settings());
        await RunningWithTokenAsync(h, "app-lost");
        await Poll.UntilAsync(() => h.EventReasons("app-lost").Contains("ScaledBack"), Timeout, "the ScaledBack event");

        Assert.Equal((3L, null), (Replicas(h, "dev-app-lost", "api"), Recorded(h, "dev-app-lost", "api")));
    }

    [Fact]
    public async Task Stop_ScaleToZeroOff_LeavesTheNamespacesReplicasUntouched()
    {
        await using var h = await StartAsync();
        await h.CreateAsync(WithAccess("app-keep", scaleToZero: false));
        await RunningWithTokenAsync(h, "app-keep");
        await DeployAsync(h, "dev-app-keep", "api", 3);
        var before = h.Server.Get(FakeKubeApiServer.Deployments, "dev-app-keep", "api")!;

        await StopAsync(h, "app-keep");
        await h.UpdateSpecAsync("app-keep", s => s.DesiredState = DesiredState.Running);
        var running = await h.WaitForPhaseAsync("app-keep", WorkspaceStatusPhase.Running, Timeout, w => w.Status?.ClusterAccess?.TokenExpiresAt is not null);

        Assert.Null(running.Status!.ClusterAccess!.ScaledToZero);
        Assert.Equal(before.ToJsonString(), h.Server.Get(FakeKubeApiServer.Deployments, "dev-app-keep", "api")!.ToJsonString());
        Assert.DoesNotContain("ScaledToZero", h.EventReasons("app-keep"));
    }

    [Fact]
    public async Task Stop_WorkspaceWithoutClusterAccess_TouchesNoDeployment()
    {
        await using var h = await StartAsync();
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-plain-stop"));
        await h.WaitForPhaseAsync("app-plain-stop", WorkspaceStatusPhase.Running, Timeout);
        await DeployAsync(h, Ns, "neighbour", 2);
        var before = h.Server.Get(FakeKubeApiServer.Deployments, Ns, "neighbour")!;

        await h.UpdateSpecAsync("app-plain-stop", s => s.DesiredState = DesiredState.Stopped);
        var stopped = await h.WaitForPhaseAsync("app-plain-stop", WorkspaceStatusPhase.Stopped, Timeout);

        Assert.Null(stopped.Status!.ClusterAccess);
        Assert.Empty(h.Server.List("/namespaces"));
        Assert.Equal(before.ToJsonString(), h.Server.Get(FakeKubeApiServer.Deployments, Ns, "neighbour")!.ToJsonString());
    }

    [Fact]
    public async Task Rbac_CeilingWithoutDeployments_TheControllerScalesThroughItsOperatorRoleAlone()
    {
        // An administrator's ceiling that grants nothing on Deployments: what the controller holds there is the operator role.
        var chart = HelmChart.Template(
            "--set", "clusterAccess.enabled=true", "--set", "clusterAccess.apiServerCidrs[0]=172.18.0.2/32",
            "--set-json", "clusterAccess.ceiling=[{\"apiGroups\":[\"\"],\"resources\":[\"pods\",\"services\"],\"verbs\":[\"get\",\"list\"]}]");
        await using var h = await StartAsync(chart);
        var workspace = WithAccess("app-narrow", scaleToZero: true);
        workspace.Spec.ClusterAccess!.Rules = [ClusterAccessRule.Of([""], ["pods"], ["get", "list"])];
        await h.CreateAsync(workspace);
        await RunningWithTokenAsync(h, "app-narrow");
        await DeployAsync(h, "dev-app-narrow", "api", 2);

        await h.UpdateSpecAsync("app-narrow", s => s.DesiredState = DesiredState.Stopped);
        await h.WaitForPhaseAsync("app-narrow", WorkspaceStatusPhase.Stopped, Timeout, w => w.Status?.ClusterAccess?.ScaledToZero == true);
        Assert.Equal((0L, "2"), (Replicas(h, "dev-app-narrow", "api"), Recorded(h, "dev-app-narrow", "api")));

        await h.UpdateSpecAsync("app-narrow", s => s.DesiredState = DesiredState.Running);
        await h.WaitForPhaseAsync("app-narrow", WorkspaceStatusPhase.Running, Timeout, w => w.Status?.ClusterAccess is { TokenExpiresAt: not null, ScaledToZero: null });
        Assert.Equal((2L, null), (Replicas(h, "dev-app-narrow", "api"), Recorded(h, "dev-app-narrow", "api")));
        Assert.DoesNotContain("ScaleFailed", h.EventReasons("app-narrow"));
    }

    [Fact]
    public async Task Stop_ControllerWithoutTheRights_SaysSoInTheEventsAndStopsTheWorkspaceAnyway()
    {
        // The chart before this feature: the operator role has no rule on Deployments, the ceiling none either.
        var chart = HelmChart.Template(
            "--set", "clusterAccess.enabled=true", "--set", "clusterAccess.apiServerCidrs[0]=172.18.0.2/32",
            "--set-json", "clusterAccess.ceiling=[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":[\"get\",\"list\"]}]");
        var operatorRole = HelmChart.Find(chart, "ClusterRole", "-dev-operator");
        operatorRole["rules"] = new JsonArray([.. operatorRole["rules"]!.AsArray().Where(r => !r!["apiGroups"]!.AsArray().Any(g => (string?)g == "apps")).Select(r => r!.DeepClone())]);
        await using var h = await StartAsync(chart);
        var workspace = WithAccess("app-norights", scaleToZero: true);
        workspace.Spec.ClusterAccess!.Rules = [ClusterAccessRule.Of([""], ["pods"], ["get"])];
        await h.CreateAsync(workspace);
        await RunningWithTokenAsync(h, "app-norights");
        await DeployAsync(h, "dev-app-norights", "api", 2);

        await StopAsync(h, "app-norights");

        await Poll.UntilAsync(() => Task.FromResult(h.EventReasons("app-norights").Contains("ScaleFailed")), Timeout, "a ScaleFailed event");
        var message = (string)h.Server.List("/events", Ns).First(e => (string?)e["reason"] == "ScaleFailed")["message"]!;
        Assert.Contains("upgrade the chart", message, StringComparison.Ordinal);
        Assert.Null(h.Pod("app-norights"));
        Assert.Equal((2L, null), (Replicas(h, "dev-app-norights", "api"), Recorded(h, "dev-app-norights", "api")));
    }

    [Fact]
    public async Task Stop_ReplicasChangedBetweenTheListAndTheAnnotation_RecordsTheNewCountNotAStaleOne()
    {
        await using var h = await StartAsync();
        await h.CreateAsync(WithAccess("app-stale", scaleToZero: true));
        await RunningWithTokenAsync(h, "app-stale");
        await DeployAsync(h, "dev-app-stale", "api", 3);
        // Someone scales api to 5 right after the controller listed it with 3: the annotation's patch must not record 3.
        var changed = 0;
        h.Server.BeforeRequest = request =>
        {
            if (request.Method == "PATCH" && request.Path.Value!.EndsWith("/namespaces/dev-app-stale/deployments/api", StringComparison.Ordinal)
                && Interlocked.Exchange(ref changed, 1) == 0)
            {
                h.Server.Mutate(FakeKubeApiServer.Deployments, "dev-app-stale", "api", d => d["spec"]!["replicas"] = 5L);
            }

            return Task.CompletedTask;
        };

        await StopAsync(h, "app-stale");
        await h.WaitForPhaseAsync("app-stale", WorkspaceStatusPhase.Stopped, Timeout, w => w.Status?.ClusterAccess?.ScaledToZero == true);

        Assert.Equal(1, changed);
        Assert.Equal((0L, "5"), (Replicas(h, "dev-app-stale", "api"), Recorded(h, "dev-app-stale", "api")));
        Assert.DoesNotContain("ScaleFailed", h.EventReasons("app-stale"));

        h.Server.BeforeRequest = null;
        await h.UpdateSpecAsync("app-stale", s => s.DesiredState = DesiredState.Running);
        await h.WaitForPhaseAsync("app-stale", WorkspaceStatusPhase.Running, Timeout, w => w.Status?.ClusterAccess is { TokenExpiresAt: not null, ScaledToZero: null });
        Assert.Equal((5L, null), (Replicas(h, "dev-app-stale", "api"), Recorded(h, "dev-app-stale", "api")));
    }

    [Fact]
    public async Task StopAndStart_DuringARolloutsStatusWrites_ScaleInOnePassWithoutAWarning()
    {
        await using var h = await StartAsync();
        await h.CreateAsync(WithAccess("app-rollout", scaleToZero: true));
        await RunningWithTokenAsync(h, "app-rollout");
        await DeployAsync(h, "dev-app-rollout", "api", 2);
        // The deployment controller writes api's status before each of the next three scale requests lands, as a rollout does.
        var statusWrites = 0;
        h.Server.BeforeRequest = request =>
        {
            if (request.Method == "PUT" && request.Path.Value!.EndsWith("/namespaces/dev-app-rollout/deployments/api/scale", StringComparison.Ordinal)
                && Interlocked.Increment(ref statusWrites) <= 3)
            {
                h.Server.Mutate(FakeKubeApiServer.Deployments, "dev-app-rollout", "api", d => d["status"] = new JsonObject { ["observedGeneration"] = statusWrites });
            }

            return Task.CompletedTask;
        };

        await StopAsync(h, "app-rollout");
        await h.WaitForPhaseAsync("app-rollout", WorkspaceStatusPhase.Stopped, Timeout, w => w.Status?.ClusterAccess?.ScaledToZero == true);
        Assert.Equal((0L, "2"), (Replicas(h, "dev-app-rollout", "api"), Recorded(h, "dev-app-rollout", "api")));

        statusWrites = 0;
        await h.UpdateSpecAsync("app-rollout", s => s.DesiredState = DesiredState.Running);
        await h.WaitForPhaseAsync("app-rollout", WorkspaceStatusPhase.Running, Timeout, w => w.Status?.ClusterAccess is { TokenExpiresAt: not null, ScaledToZero: null });

        Assert.Equal((2L, null), (Replicas(h, "dev-app-rollout", "api"), Recorded(h, "dev-app-rollout", "api")));
        Assert.True(statusWrites >= 4, $"the restore's scale request met {statusWrites - 1} status writes");
        Assert.DoesNotContain("ScaleFailed", h.EventReasons("app-rollout"));
    }

    [Theory]
    [InlineData(false, 1, 30)]
    [InlineData(false, 2, 60)]
    [InlineData(false, 4, 240)]
    [InlineData(false, 5, 300)]
    [InlineData(false, 60, 300)]
    [InlineData(true, 1, 1)]
    [InlineData(true, 3, 4)]
    [InlineData(true, 40, 300)]
    public void RetryDelay_AFailureThatLasts_WaitsLongerEachPassUpToFiveMinutes(bool conflict, int failuresInARow, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), DeploymentScaler.RetryDelay(conflict, failuresInARow));
}
