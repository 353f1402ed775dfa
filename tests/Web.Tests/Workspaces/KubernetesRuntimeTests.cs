using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Workspaces.FakeKubernetes;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Tests.Infrastructure;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Resources;

namespace Workspaces.Web.Tests.Workspaces;

/// <summary>
/// The real web app with <c>Workspaces:Runtime:Kind=Kubernetes</c>, the real controller, and the fake API server between
/// them: the REST API's create drives a Workspace resource to Running and delete removes it with everything it owned.
/// (The agent URL is a cluster DNS name no test machine resolves, so agent-level phases are not checked here.)
/// </summary>
public sealed class KubernetesRuntimeTests
{
    private const string Namespace = "workspaces";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Workspace_CreatedAndDeletedThroughTheApi_IsAPodWhileItLivesAndNothingAfter()
    {
        await using var cluster = await FakeKubeApiServer.StartAsync();
        var key = SealedCredentials.NewKey();
        using var controller = await ControllerHost.StartAsync(cluster, Namespace, key);
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Workspaces:Runtime:Kind"] = "Kubernetes",
            ["Workspaces:Kubernetes:ApiServer"] = cluster.Url.ToString(),
            ["Workspaces:Runtime:Kubernetes:Namespace"] = Namespace,
            ["Workspaces:Runtime:Kubernetes:CredentialKey"] = key,
        });
        using var api = await app.CreateAdministratorAsync();

        var created = await api.CreateWorkspaceAsync("https://git.example/acme/shop.git", "main");

        var started = await api.WaitUntilAsync(created.Id, d => d.LastStart?.AgentStartedAt is not null, "the runtime to report the pod's agent", Timeout);
        Assert.NotNull(started.LastStart!.LaunchedAt);
        var resource = cluster.Get("workspaces.dev/workspaces", Namespace, created.Id)!;
        Assert.Equal("Running", (string?)resource["status"]!["phase"]);
        Assert.Equal("https://git.example/acme/shop.git", (string?)resource["spec"]!["repository"]!["url"]);
        Assert.Equal("main", (string?)resource["spec"]!["repository"]!["ref"]);
        Assert.NotNull(cluster.Get("/pods", Namespace, ControllerOptions.ChildName(created.Id)));

        using var deleted = await api.DeleteWorkspaceAsync(created.Id);
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);

        await Poll.UntilAsync(() => cluster.Get("workspaces.dev/workspaces", Namespace, created.Id) is null, Timeout, "the Workspace resource to be gone");
        Assert.Null(cluster.Get("/pods", Namespace, ControllerOptions.ChildName(created.Id)));
        Assert.Null(cluster.Get("/persistentvolumeclaims", Namespace, ControllerOptions.ChildName(created.Id)));
        await api.WaitUntilListAsync(list => list.All(w => w.Id != created.Id), "the workspace to leave the list", Timeout);
    }
}
