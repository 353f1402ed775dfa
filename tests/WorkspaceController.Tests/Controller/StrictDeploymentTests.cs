using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Workspaces.FakeKubernetes;

namespace Workspaces.WorkspaceController.Tests.Controller;

/// <summary>The fake API server's Deployments and their scale subresource refuse and default what a real API server does.</summary>
public sealed class StrictDeploymentTests
{
    private const string Ns = ControllerHarness.Namespace;

    private static V1Deployment Deployment(string name, int? replicas, string templateApp)
    {
        return new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = templateApp } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "registry.example/app:1" }] },
                },
            },
        };
    }

    [Fact]
    public async Task Deployments_ReplicasDefaultedAndBadSpecsRefused_ScaleIsConditionalAndOtherSubresourcesAre404()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false);

        var created = await h.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("api", null, "api"), Ns);
        var mismatch = await Assert.ThrowsAsync<HttpOperationException>(() => h.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web", 1, "other"), Ns));
        var negative = await Assert.ThrowsAsync<HttpOperationException>(() => h.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("neg", -1, "neg"), Ns));
        var scale = await h.Client.AppsV1.ReadNamespacedDeploymentScaleAsync("api", Ns);
        scale.Spec.Replicas = 3;
        var scaled = await h.Client.AppsV1.ReplaceNamespacedDeploymentScaleAsync(scale, "api", Ns);
        scale.Spec.Replicas = 5;
        var stale = await Assert.ThrowsAsync<HttpOperationException>(() => h.Client.AppsV1.ReplaceNamespacedDeploymentScaleAsync(scale, "api", Ns));
        var scaledTo = scaled.Spec.Replicas;
        scaled.Spec.Replicas = -2;
        var negativeScale = await Assert.ThrowsAsync<HttpOperationException>(() => h.Client.AppsV1.ReplaceNamespacedDeploymentScaleAsync(scaled, "api", Ns));
        var patched = await h.Client.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("{\"spec\":{\"replicas\":0}}", V1Patch.PatchType.MergePatch), "api", Ns);
        await h.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "api" } }, Ns);
        using var http = new HttpClient();
        using var noSuchSubresource = await http.GetAsync(new Uri(h.Server.Url, $"api/v1/namespaces/{Ns}/secrets/api/scale"));
        var missingScale = await Assert.ThrowsAsync<HttpOperationException>(() => h.Client.AppsV1.ReadNamespacedDeploymentScaleAsync("none", Ns));

        Assert.Equal(1, created.Spec.Replicas);
        Assert.Equal(1, created.Metadata.Generation);
        Assert.Equal("autoscaling/v1", scale.ApiVersion);
        Assert.Equal("app=api", scale.Status.Selector);
        Assert.Equal(3, scaledTo);
        Assert.Equal(0, patched.Spec.Replicas);
        var stored = (await h.Client.AppsV1.ReadNamespacedDeploymentAsync("api", Ns))!;
        Assert.Equal((0, 3L), (stored.Spec.Replicas, stored.Metadata.Generation));
        Assert.All(new[] { mismatch, negative, negativeScale }, e => Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Response.StatusCode));
        Assert.Contains("selector", mismatch.Response.Content, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, stale.Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noSuchSubresource.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missingScale.Response.StatusCode);
    }

    [Fact]
    public async Task DeploymentScale_WithTheChartsRbac_TheWebAppMayNotScaleAndTheControllerOnlyWhereBound()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false, clusterAccessChart: true);
        await h.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("api", 2, "api"), Ns);
        using var web = h.Server.CreateClient(ControllerHarness.WebToken);
        using var controller = h.Server.CreateClient(ControllerHarness.ControllerToken);
        var scale = new V1Scale { Metadata = new V1ObjectMeta { Name = "api", NamespaceProperty = Ns }, Spec = new V1ScaleSpec { Replicas = 0 } };

        var byWeb = await Assert.ThrowsAsync<HttpOperationException>(() => web.AppsV1.ReplaceNamespacedDeploymentScaleAsync(scale, "api", Ns));
        // The controller's rights on Deployments are the operator role's, bound only in development namespaces.
        var byController = await Assert.ThrowsAsync<HttpOperationException>(() => controller.AppsV1.ReplaceNamespacedDeploymentScaleAsync(scale, "api", Ns));
        var listElsewhere = await Assert.ThrowsAsync<HttpOperationException>(() => controller.AppsV1.ListNamespacedDeploymentAsync("kube-system"));

        Assert.All(new[] { byWeb, byController, listElsewhere }, e => Assert.Equal(HttpStatusCode.Forbidden, e.Response.StatusCode));
        Assert.Contains("deployments/scale", byController.Response.Content, StringComparison.Ordinal);
        Assert.Equal(2L, (long?)h.Server.Get(FakeKubeApiServer.Deployments, Ns, "api")!["spec"]!["replicas"]);
    }
}
