using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Workspaces.FakeKubernetes;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Tests.Authorization;
using Workspaces.Web.Tests.Infrastructure;
using Workspaces.WorkspaceController.ClusterAccess;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Resources;

namespace Workspaces.Web.Tests.ClusterAccess;

/// <summary>
/// A project's cluster access through the API: refused where the server cannot give it, changed by team owners only,
/// bad patterns and wide Roles refused with a message; on the Kubernetes runtime (fake API server and the real
/// controller) a workspace of the project gets its namespace.
/// </summary>
public sealed class ClusterAccessApiTests
{
    private const string Namespace = "workspaces";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Enable_OnTheLocalRuntime_IsRefusedSayingWhatItNeeds()
    {
        await using var app = await TestApp.StartAsync();
        using var lead = await app.CreateUserAsync();
        var projectId = await ProjectAsync(lead);

        var view = await lead.Http.GetFromJsonAsync<JsonElement>(new Uri($"/api/projects/{projectId}/cluster-access", UriKind.Relative));
        using var refused = await PutAsync(lead, projectId, new { enabled = true });

        Assert.False(view.GetProperty("available").GetBoolean());
        Assert.Contains("needs the Kubernetes runtime or a configured cluster", view.GetProperty("unavailable").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("needs the Kubernetes runtime", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClusterAccess_OnKubernetes_OwnersOnlyRefusesBadInputAndGivesWorkspacesTheirNamespace()
    {
        await using var cluster = await FakeKubeApiServer.StartAsync();
        var key = SealedCredentials.NewKey();
        using var controller = await ControllerHost.StartAsync(cluster, Namespace, key, clusterAccess: true);
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Workspaces:Runtime:Kind"] = "Kubernetes",
            ["Workspaces:Kubernetes:ApiServer"] = cluster.Url.ToString(),
            ["Workspaces:Runtime:Kubernetes:Namespace"] = Namespace,
            ["Workspaces:Runtime:Kubernetes:CredentialKey"] = key,
            ["Workspaces:ClusterAccess:Enabled"] = "true",
        });
        using var lead = await app.CreateUserAsync();
        using var member = await app.CreateUserAsync();
        var projectId = await ProjectAsync(lead, member);

        using var byMember = await PutAsync(member, projectId, new { enabled = true });
        using var system = await PutAsync(lead, projectId, new { enabled = true, namespacePattern = "kube-{workspace}" });
        using var release = await PutAsync(lead, projectId, new { enabled = true, namespacePattern = "workspace{workspace}" });
        using var wide = await PutAsync(lead, projectId, new { enabled = true, rules = new[] { new { apiGroups = new[] { "rbac.authorization.k8s.io" }, resources = new[] { "clusterrolebindings" }, verbs = new[] { "create" } } } });
        using var enabled = await PutAsync(lead, projectId, new { enabled = true, namespacePattern = "dev-{workspace}" });

        Assert.Equal(HttpStatusCode.Forbidden, byMember.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, system.StatusCode);
        Assert.Contains("kube-* namespace", await system.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, release.StatusCode);
        Assert.Contains("'workspaces'", await release.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, wide.StatusCode);
        Assert.Contains("wider than the administrator allows", await wide.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        Assert.Empty(cluster.List("/namespaces"));

        var workspace = await AccessWorld.PostAsync(member, $"/api/projects/{projectId}/workspaces", new { });
        var id = workspace.GetProperty("id").GetString()!;

        await Poll.UntilAsync(() => cluster.Get("/namespaces", "", $"dev-{id}") is not null, Timeout, "the workspace's development namespace");
        var resource = cluster.Get("workspaces.dev/workspaces", Namespace, id)!;
        Assert.Equal($"dev-{id}", (string?)resource["spec"]!["clusterAccess"]!["namespace"]);
        Assert.Null(resource["spec"]!["clusterAccess"]!["rules"]);
    }

    [Fact]
    public async Task ScaleToZeroOnStop_SetByTheOwner_StopScalesTheNamespacesDeploymentsToZeroAndStartBack()
    {
        await using var cluster = await FakeKubeApiServer.StartAsync();
        var key = SealedCredentials.NewKey();
        using var controller = await ControllerHost.StartAsync(cluster, Namespace, key, clusterAccess: true);
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Workspaces:Runtime:Kind"] = "Kubernetes",
            ["Workspaces:Kubernetes:ApiServer"] = cluster.Url.ToString(),
            ["Workspaces:Runtime:Kubernetes:Namespace"] = Namespace,
            ["Workspaces:Runtime:Kubernetes:CredentialKey"] = key,
            ["Workspaces:ClusterAccess:Enabled"] = "true",
        });
        using var lead = await app.CreateUserAsync();
        var projectId = await ProjectAsync(lead);
        var off = await lead.Http.GetFromJsonAsync<JsonElement>(new Uri($"/api/projects/{projectId}/cluster-access", UriKind.Relative));

        using var saved = await PutAsync(lead, projectId, new { enabled = true, scaleToZeroOnStop = true });
        var view = await saved.Content.ReadFromJsonAsync<JsonElement>();
        var id = (await AccessWorld.PostAsync(lead, $"/api/projects/{projectId}/workspaces", new { })).GetProperty("id").GetString()!;
        await Poll.UntilAsync(() => cluster.Get("/serviceaccounts", $"dev-{id}", "workspace") is not null, Timeout, "the workspace's development namespace");
        var labels = new Dictionary<string, string> { ["app"] = "api" };
        await cluster.CreateClient().AppsV1.CreateNamespacedDeploymentAsync(
            new V1Deployment
            {
                Metadata = new V1ObjectMeta { Name = "api" },
                Spec = new V1DeploymentSpec
                {
                    Replicas = 2,
                    Selector = new V1LabelSelector { MatchLabels = labels },
                    Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "api", Image = "registry.example/api:dev" }] } },
                },
            },
            $"dev-{id}");
        JsonNode Api() => cluster.Get(FakeKubeApiServer.Deployments, $"dev-{id}", "api")!;

        using var stop = await lead.Http.PostAsync(new Uri($"/api/workspaces/{id}/stop", UriKind.Relative), null);
        await Poll.UntilAsync(() => (long?)Api()["spec"]!["replicas"] == 0, Timeout, "the Deployment scaled to zero");
        var recorded = (string?)Api()["metadata"]!["annotations"]![DeploymentScaler.ReplicasAnnotation];
        using var start = await lead.Http.PostAsync(new Uri($"/api/workspaces/{id}/start", UriKind.Relative), null);
        // Scaled back first, the annotation removed after: the pass is over when both are done.
        await Poll.UntilAsync(() => (long?)Api()["spec"]!["replicas"] == 2 && Api()["metadata"]!["annotations"]?[DeploymentScaler.ReplicasAnnotation] is null, Timeout, "the Deployment scaled back");

        Assert.False(off.GetProperty("scaleToZeroOnStop").GetBoolean());
        Assert.True(view.GetProperty("scaleToZeroOnStop").GetBoolean());
        Assert.True((bool)cluster.Get("workspaces.dev/workspaces", Namespace, id)!["spec"]!["clusterAccess"]!["scaleToZeroOnStop"]!);
        Assert.Equal("2", recorded);
        Assert.Equal(2L, (long?)Api()["spec"]!["replicas"]);
    }

    private static async Task<string> ProjectAsync(ApiClient lead, ApiClient? member = null)
    {
        var teamId = (await AccessWorld.PostAsync(lead, "/api/teams", new { name = "Platform" })).GetProperty("id").GetString()!;
        if (member is not null)
        {
            await AccessWorld.JoinAsync(lead, member, teamId);
        }

        return (await AccessWorld.PostAsync(lead, $"/api/teams/{teamId}/projects", new { name = "shop", repositoryUrl = "https://git.example/acme/shop.git" })).GetProperty("id").GetString()!;
    }

    private static Task<HttpResponseMessage> PutAsync(ApiClient client, string projectId, object body) =>
        client.Http.PutAsJsonAsync(new Uri($"/api/projects/{projectId}/cluster-access", UriKind.Relative), body);
}
