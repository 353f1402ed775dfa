using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Workspaces.FakeKubernetes;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Tests.Authorization;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.ClusterAccess;

/// <summary>
/// Cluster access on the local runtime with an administrator's kubeconfig (the fake API server on this machine's
/// loopback, as kind or k3d listen): the project page offers it; a sandboxed workspace's task finds <c>KUBECONFIG</c>,
/// reaches the API server through the sandbox and gets its own namespace's objects with its token, and nothing else;
/// a workspace of a project without cluster access has no KUBECONFIG and nothing in the cluster; deleting the workspace
/// deletes its namespace; an unreachable cluster leaves the start working and says why in the workspace's events.
/// </summary>
public sealed class LocalClusterAccessTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = TempDirectory.Create("ws-web-local-cluster");
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose()
    {
        _repositories.Dispose();
        _dir.Dispose();
    }

    /// <summary>What a developer's script would do with kubectl: read KUBECONFIG, call the API server with the token, write what it got.</summary>
    private const string Probe = """
        import json, os, urllib.request, urllib.error
        out = []
        path = os.environ.get('KUBECONFIG')
        out.append('KUBECONFIG=' + (path or 'unset'))
        if path:
            config = open(path).read()
            field = lambda name: config.split(name + ': ', 1)[1].split('\n', 1)[0].strip()
            server, ns, token = field('server'), field('namespace'), open(field('tokenFile')).read().strip()
            def get(url):
                request = urllib.request.Request(server + url, headers={'Authorization': 'Bearer ' + token})
                try:
                    return json.load(urllib.request.urlopen(request, timeout=10))
                except urllib.error.HTTPError as e:
                    return {'code': e.code}
            accounts = get('/api/v1/namespaces/' + ns + '/serviceaccounts')
            out.append('namespace=' + ns)
            out.append('accounts=' + ','.join(i['metadata']['namespace'] + '/' + i['metadata']['name'] for i in accounts.get('items', [])))
            out.append('other=' + str(get('/api/v1/namespaces/default/serviceaccounts').get('code')))
            try:
                open(os.path.join(os.path.dirname(path), 'token'), 'a').write('x')
                out.append('write=succeeded')
            except OSError as e:
                out.append('write=failed')
            out.append('inside-workspace=' + str(os.path.realpath(path).startswith(os.getcwd())))
        open('probe.tmp', 'w').write('\n'.join(out) + '\n')
        os.rename('probe.tmp', 'probe.out')
        """;

    private async Task<string> KubeconfigAsync(FakeKubeApiServer cluster, Uri? server = null)
    {
        var path = _dir.Combine($"kubeconfig-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(path, cluster.AdminKubeconfig(server: server));
        return path;
    }

    private async Task<(string ProjectId, string RepositoryUrl)> ProjectAsync(ApiClient lead, string name)
    {
        var repository = await _repositories.CreateAsync(name, new GitRepositoryBuilder()
            .WithFile("probe.py", Probe)
            .WithFile(".gitpod.yml", "tasks:\n  - command: python3 probe.py\n"));
        var teamId = (await AccessWorld.PostAsync(lead, "/api/teams", new { name = "Platform " + name })).GetProperty("id").GetString()!;
        var projectId = (await AccessWorld.PostAsync(lead, $"/api/teams/{teamId}/projects", new { name, repositoryUrl = repository.FileUrl })).GetProperty("id").GetString()!;
        return (projectId, repository.FileUrl);
    }

    private static async Task<string> ProbeOutputAsync(TestApp app, string workspaceId)
    {
        string? found = null;
        await Poll.UntilAsync(() => (found = Directory.EnumerateFiles(app.WorkspaceDirectory(workspaceId), "probe.out", SearchOption.AllDirectories).FirstOrDefault()) is not null, Timeout, "the task's probe.out");
        return await File.ReadAllTextAsync(found!);
    }

    [Fact]
    public async Task ProjectPage_LocalRuntimeWithAConfiguredCluster_OffersClusterAccessAndChecksAgainstTheLocalCeiling()
    {
        await using var cluster = await FakeKubeApiServer.StartAsync(validateWorkspaces: false);
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Workspaces:Runtime:Local:ClusterAccess:Kubeconfig"] = await KubeconfigAsync(cluster),
            ["Workspaces:Runtime:Local:ClusterAccess:ReservedNamespaces:0"] = "dev-prod",
        });
        using var lead = await app.CreateUserAsync();
        var (projectId, _) = await ProjectAsync(lead, "page");

        var view = await lead.Http.GetFromJsonAsync<JsonElement>(new Uri($"/api/projects/{projectId}/cluster-access", UriKind.Relative));
        using var system = await PutAsync(lead, projectId, new { enabled = true, namespacePattern = "kube-{workspace}" });
        using var reserved = await PutAsync(lead, projectId, new { enabled = true, namespacePattern = "dev-{workspace}" });
        using var wide = await PutAsync(lead, projectId, new { enabled = true, namespacePattern = "ws-{workspace}", rules = new[] { new { apiGroups = new[] { "" }, resources = new[] { "nodes" }, verbs = new[] { "delete" } } } });
        using var scale = await PutAsync(lead, projectId, new { enabled = true, namespacePattern = "ws-{workspace}", scaleToZeroOnStop = true });
        using var enabled = await PutAsync(lead, projectId, new { enabled = true, namespacePattern = "ws-{workspace}" });

        Assert.True(view.GetProperty("available").GetBoolean());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("unavailable").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, system.StatusCode);
        Assert.Contains("kube-* namespace", await system.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, reserved.StatusCode);
        Assert.Contains("'dev-prod'", await reserved.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, wide.StatusCode);
        Assert.Contains("wider than the administrator allows", await wide.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, scale.StatusCode);
        Assert.Contains("needs the Kubernetes runtime (its controller does it)", await scale.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(view.GetProperty("scaleToZeroAvailable").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        Assert.Empty(cluster.List("/namespaces"));
    }

    [Fact]
    public async Task SandboxedWorkspace_ProjectWithClusterAccess_ItsTaskUsesKubeconfigAgainstTheClusterOnLoopbackAndDeletingRemovesTheNamespace()
    {
        await using var cluster = await FakeKubeApiServer.StartAsync(validateWorkspaces: false);
        cluster.Rbac = FakeKubeApiServer.AdminRbac();
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Workspaces:Runtime:Local:ClusterAccess:Kubeconfig"] = await KubeconfigAsync(cluster),
        });
        using var lead = await app.CreateUserAsync();
        var (withAccess, _) = await ProjectAsync(lead, "shop");
        var (without, _) = await ProjectAsync(lead, "plain");
        using var saved = await PutAsync(lead, withAccess, new { enabled = true });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);

        var id = (await AccessWorld.PostAsync(lead, $"/api/projects/{withAccess}/workspaces", new { })).GetProperty("id").GetString()!;
        var plain = (await AccessWorld.PostAsync(lead, $"/api/projects/{without}/workspaces", new { })).GetProperty("id").GetString()!;
        await lead.WaitUntilReadyAsync(id);
        await lead.WaitUntilReadyAsync(plain);
        var output = (await ProbeOutputAsync(app, id)).Split('\n');
        var plainOutput = await ProbeOutputAsync(app, plain);

        Assert.Contains("KUBECONFIG=/var/run/workspaces/kube/config", output);
        Assert.Contains($"namespace=dev-{id}", output);
        Assert.Contains($"accounts=dev-{id}/workspace", output);
        Assert.Contains("other=403", output);
        Assert.Contains("write=failed", output);
        Assert.Contains("inside-workspace=False", output);
        Assert.Equal("KUBECONFIG=unset\n", plainOutput);
        Assert.Equal([$"dev-{id}"], cluster.List("/namespaces").Select(n => (string)n["metadata"]!["name"]!));
        Assert.DoesNotContain(Directory.EnumerateFiles(app.WorkspaceDirectory(id), "*", SearchOption.AllDirectories), f => ReadIfFile(f).Contains("fake-sa-token-", StringComparison.Ordinal));

        using var stop = await lead.PostActionAsync(id, "stop");
        await lead.WaitUntilAsync(id, d => d.Workspace.Phase == WorkspacePhase.Stopped, "the workspace stopped");
        Assert.Null(cluster.Get("/secrets", $"dev-{id}", "workspace-session"));
        using var deleted = await lead.DeleteWorkspaceAsync(id);
        await Poll.UntilAsync(() => cluster.Get("/namespaces", "", $"dev-{id}") is null, Timeout, "the namespace deleted with the workspace");
        await lead.WaitUntilListAsync(list => list.All(w => w.Id != id), "the workspace gone", Timeout);
    }

    [Fact]
    public async Task SandboxedWorkspace_ClusterUnreachable_StartsWithoutKubeconfigAndItsEventsSayWhy()
    {
        await using var cluster = await FakeKubeApiServer.StartAsync(validateWorkspaces: false);
        var closed = TestSupport.Network.ClosedPort.Reserve();
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Workspaces:Runtime:Local:ClusterAccess:Kubeconfig"] = await KubeconfigAsync(cluster, new Uri($"http://127.0.0.1:{closed}")),
        });
        using var lead = await app.CreateUserAsync();
        var (projectId, _) = await ProjectAsync(lead, "offline");
        using var saved = await PutAsync(lead, projectId, new { enabled = true });

        var id = (await AccessWorld.PostAsync(lead, $"/api/projects/{projectId}/workspaces", new { })).GetProperty("id").GetString()!;
        await lead.WaitUntilReadyAsync(id);
        var details = await lead.WaitUntilAsync(id, d => d.Events.Any(e => e.Kind == "cluster-access-unavailable"), "the event saying why");

        Assert.Equal("KUBECONFIG=unset\n", await ProbeOutputAsync(app, id));
        Assert.Contains($"The workspace started without cluster access: the cluster at http://127.0.0.1:{closed} cannot be reached", details.Events.First(e => e.Kind == "cluster-access-unavailable").Message, StringComparison.Ordinal);
    }

    /// <summary>A regular file's text; nothing for the agent's socket and the like.</summary>
    private static string ReadIfFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static Task<HttpResponseMessage> PutAsync(ApiClient client, string projectId, object body) =>
        client.Http.PutAsJsonAsync(new Uri($"/api/projects/{projectId}/cluster-access", UriKind.Relative), body);
}
