using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Workspaces.FakeKubernetes;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceController.ClusterAccess;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Tests.Controller;

namespace Workspaces.WorkspaceController.Tests.ClusterAccess;

/// <summary>
/// Services a developer deploys into their workspace's namespace reach the Workspace's status (which the web app's Ports
/// panel and preview proxy read), with the chart's RBAC on the strict fake API server. The reported status is a golden
/// file (testdata/golden/cluster-access/status-services.json; regenerate with <c>UPDATE_GOLDEN=1</c>).
/// </summary>
public sealed class DevNamespaceServicesTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private static V1Service Service(string name, params V1ServicePort[] ports) =>
        new() { Metadata = new V1ObjectMeta { Name = name }, Spec = new V1ServiceSpec { Ports = ports, Selector = new Dictionary<string, string> { ["app"] = name } } };

    private static async Task<(ControllerHarness H, IKubernetes Developer)> StartWithWorkspaceAsync(string name)
    {
        var h = await ControllerHarness.StartAsync(startController: false, clusterAccessChart: true);
        await h.StartControllerAsync(settings: ClusterAccessControllerTests.Settings());
        var workspace = ControllerHarness.NewWorkspace(name);
        workspace.Spec.ClusterAccess = new WorkspaceClusterAccess { Namespace = $"dev-{name}" };
        await h.CreateAsync(workspace);
        await h.WaitForPhaseAsync(name, WorkspaceStatusPhase.Running, Timeout, w => w.Status?.ClusterAccess?.TokenExpiresAt is not null);
        var token = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String((string)h.Server.Get("/secrets", ControllerHarness.Namespace, $"ws-{name}-kube")!["data"]!["token"]!));
        return (h, h.Server.CreateClient(token));
    }

    [Fact]
    public async Task Status_ServicesDeployedIntoTheDevNamespace_AreReportedAsTheGoldenFileSays()
    {
        var (h, developer) = await StartWithWorkspaceAsync("app-svc");
        await using var _ = h;
        using var __ = developer;
        const string Dev = "dev-app-svc";

        await developer.CoreV1.CreateNamespacedServiceAsync(Service("web", new V1ServicePort { Port = 80 }), Dev);
        await developer.CoreV1.CreateNamespacedServiceAsync(Service("api", new V1ServicePort { Name = "metrics", Port = 9090 }, new V1ServicePort { Name = "http", Port = 8080 }, new V1ServicePort { Name = "dns", Port = 53, Protocol = "UDP" }), Dev);
        await developer.CoreV1.CreateNamespacedServiceAsync(Service("resolver", new V1ServicePort { Port = 53, Protocol = "UDP" }), Dev);
        await developer.CoreV1.CreateNamespacedServiceAsync(new V1Service { Metadata = new V1ObjectMeta { Name = "anywhere" }, Spec = new V1ServiceSpec { Type = "ExternalName", ExternalName = "internal.example.com", Ports = [new V1ServicePort { Port = 443 }] } }, Dev);
        await h.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "other" } });
        await h.Client.CoreV1.CreateNamespacedServiceAsync(Service("elsewhere", new V1ServicePort { Port = 80 }), "other");

        var ws = await h.WaitForPhaseAsync("app-svc", WorkspaceStatusPhase.Running, Timeout, w => w.Status?.ClusterAccess?.Services?.Count == 2);

        var text = JsonSerializer.Serialize(ws.Status!.ClusterAccess!.Services, Indented) + "\n";
        var path = RepositoryRoot.Combine("tests", "WorkspaceController.Tests", "testdata", "golden", "cluster-access", "status-services.json");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, text);
        }

        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings(), text.ReplaceLineEndings());

        await developer.CoreV1.DeleteNamespacedServiceAsync("web", Dev);
        var after = await h.WaitForPhaseAsync("app-svc", WorkspaceStatusPhase.Running, Timeout, w => w.Status?.ClusterAccess?.Services?.Count == 1);
        Assert.Equal("api", after.Status!.ClusterAccess!.Services![0].Name);
    }

    [Fact]
    public async Task Status_StoppedWorkspace_KeepsReportingItsNamespacesServices()
    {
        var (h, developer) = await StartWithWorkspaceAsync("app-svc-stop");
        await using var _ = h;
        using var __ = developer;
        await developer.CoreV1.CreateNamespacedServiceAsync(Service("web", new V1ServicePort { Port = 80 }), "dev-app-svc-stop");
        await h.WaitForPhaseAsync("app-svc-stop", WorkspaceStatusPhase.Running, Timeout, w => w.Status?.ClusterAccess?.Services?.Count == 1);

        await h.UpdateSpecAsync("app-svc-stop", s => s.DesiredState = DesiredState.Stopped);

        var stopped = await h.WaitForPhaseAsync("app-svc-stop", WorkspaceStatusPhase.Stopped, Timeout, w => w.Status?.ClusterAccess?.TokenExpiresAt is null);
        Assert.Equal("web", Assert.Single(stopped.Status!.ClusterAccess!.Services!).Name);
    }

    [Fact]
    public void ToStatus_ManyServicesAndPorts_StaysWithinTheCrdsBounds()
    {
        var services = Enumerable.Range(0, 40).Select(i => Service($"svc-{i:D2}", [.. Enumerable.Range(1, 20).Select(p => new V1ServicePort { Name = $"p{p}", Port = 8000 + p })]));

        var status = DevNamespaceServices.ToStatus(services);

        Assert.Equal(WorkspaceServiceStatus.MaxServices, status.Count);
        Assert.Equal("svc-00", status[0].Name);
        Assert.All(status, s => Assert.Equal(WorkspaceServiceStatus.MaxPorts, s.Ports.Count));
    }

    [Fact]
    public async Task Rbac_ControllerWithTheChartsRoles_ListsServicesAcrossNamespacesButCannotChangeThem()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false, clusterAccessChart: true);
        using var controller = h.Server.CreateClient(ControllerHarness.ControllerToken);
        using var web = h.Server.CreateClient(ControllerHarness.WebToken);
        await h.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "other" } });
        await h.Client.CoreV1.CreateNamespacedServiceAsync(Service("api", new V1ServicePort { Port = 80 }), "other");

        var listed = await controller.CoreV1.ListServiceForAllNamespacesAsync();
        var create = await Assert.ThrowsAsync<HttpOperationException>(() => controller.CoreV1.CreateNamespacedServiceAsync(Service("x", new V1ServicePort { Port = 80 }), "other"));
        var get = await Assert.ThrowsAsync<HttpOperationException>(() => controller.CoreV1.ReadNamespacedServiceAsync("api", "other"));
        var webList = await Assert.ThrowsAsync<HttpOperationException>(() => web.CoreV1.ListServiceForAllNamespacesAsync());

        Assert.Equal("api", Assert.Single(listed.Items).Metadata.Name);
        Assert.Equal(HttpStatusCode.Forbidden, create.Response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, get.Response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, webList.Response.StatusCode);
    }
}
