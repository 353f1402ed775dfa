using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Workspaces.FakeKubernetes;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Tests.Authorization;
using Workspaces.Web.Tests.Infrastructure;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Resources;
using Yarp.ReverseProxy.Forwarder;

namespace Workspaces.Web.Tests.Previews;

/// <summary>
/// Previews of the Services a developer deploys into their workspace's development namespace: the web app on the
/// Kubernetes runtime, the real controller and the fake API server. No test machine resolves cluster DNS, so the one
/// stand-in is at the socket: the forwarder records the destination the proxy chose and connects to a real app on
/// loopback instead of that name.
/// </summary>
public sealed class ServicePreviewTests : IAsyncLifetime
{
    private const string Namespace = "workspaces";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ConcurrentQueue<string> _destinations = new();
    private FakeKubeApiServer _cluster = null!;
    private IHost _controller = null!;
    private WebApplication _upstream = null!;
    private TestApp _app = null!;

    public async Task InitializeAsync()
    {
        _cluster = await FakeKubeApiServer.StartAsync();
        var key = SealedCredentials.NewKey();
        _controller = await ControllerHost.StartAsync(_cluster, Namespace, key, clusterAccess: true);
        _upstream = await StartUpstreamAsync();
        var upstream = _upstream.Urls.First();
        _app = await TestApp.StartAsync(
            new Dictionary<string, string?>
            {
                ["Workspaces:Runtime:Kind"] = "Kubernetes",
                ["Workspaces:Kubernetes:ApiServer"] = _cluster.Url.ToString(),
                ["Workspaces:Runtime:Kubernetes:Namespace"] = Namespace,
                ["Workspaces:Runtime:Kubernetes:CredentialKey"] = key,
                ["Workspaces:ClusterAccess:Enabled"] = "true",
            },
            services => services.AddSingleton<IHttpForwarder>(new ClusterDnsForwarder(_destinations, upstream)));
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _upstream.DisposeAsync();
        _controller.Dispose();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task ServicePreview_DeployedService_IsListedRoutedToItsClusterDnsNameSharedAndRefusedOnceItIsAnExternalName()
    {
        using var lead = await _app.CreateUserAsync();
        var (id, dev) = await WorkspaceWithClusterAccessAsync(lead);
        using var developer = _cluster.CreateClient();
        await developer.CoreV1.CreateNamespacedServiceAsync(Service("api", 8080), dev);
        await developer.CoreV1.CreateNamespacedServiceAsync(new V1Service { Metadata = new V1ObjectMeta { Name = "anywhere" }, Spec = new V1ServiceSpec { Type = "ExternalName", ExternalName = "internal.example.com", Ports = [new V1ServicePort { Port = 443 }] } }, dev);

        // Listed in the Ports API (the Ports panel's source) under its own origin; the ExternalName Service is not.
        var api = await WaitForServicePortAsync(lead, id, "api", 8080, listening: true);
        var origin = $"http://s8080-3-api-{id}.localhost:{_app.BaseAddress.Port}";
        Assert.Equal(origin + "/", api.GetProperty("url").GetString());
        Assert.Equal("Private", api.GetProperty("visibility").GetString());
        Assert.DoesNotContain(await PortsAsync(lead, id), p => ServiceOf(p) == "anywhere");

        // Private: an anonymous visitor is sent to the IDE to prove who they are, for this Service's port.
        using var browser = new PreviewBrowser(_app);
        using (var anonymous = await browser.GetAsync(new Uri(origin + "/")))
        {
            Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
            Assert.Contains($"/previews/authorize?workspace={id}&port=8080&service=api", anonymous.Headers.Location!.ToString(), StringComparison.Ordinal);
        }

        Assert.Empty(_destinations);

        // Public: anyone reaches it, at the Service's cluster DNS name and nowhere else.
        using (var visibility = await lead.Http.PutAsJsonAsync(new Uri($"/api/workspaces/{id}/services/api/ports/8080/visibility", UriKind.Relative), new { visibility = "Public" }))
        {
            Assert.Equal(HttpStatusCode.OK, visibility.StatusCode);
        }

        using (var page = await browser.GetAsync(new Uri(origin + "/hello")))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal($"svc/api says hello to s8080-3-api-{id}.localhost:{_app.BaseAddress.Port}", await page.Content.ReadAsStringAsync());
        }

        Assert.Equal($"http://api.{dev}.svc.cluster.local:8080/", Assert.Single(_destinations));

        // A share link for the Service's port works in a fresh browser.
        using (var privateAgain = await lead.Http.PutAsJsonAsync(new Uri($"/api/workspaces/{id}/services/api/ports/8080/visibility", UriKind.Relative), new { visibility = "Private" }))
        {
            Assert.Equal(HttpStatusCode.OK, privateAgain.StatusCode);
        }

        var link = await AccessWorld.PostAsync(lead, $"/api/workspaces/{id}/services/api/ports/8080/share-links", new { label = "for Sam", expiresIn = "1h" });
        var shareUrl = new Uri(link.GetProperty("url").GetString()!);
        Assert.StartsWith(origin + "/__workspaces/share/wsl_", shareUrl.ToString(), StringComparison.Ordinal);
        using var guest = new PreviewBrowser(_app);
        using (var redeemed = await guest.GetAsync(shareUrl))
        {
            Assert.Equal(HttpStatusCode.Redirect, redeemed.StatusCode);
        }

        using (var shared = await guest.GetAsync(new Uri(origin + "/hello")))
        {
            Assert.Equal(HttpStatusCode.OK, shared.StatusCode);
        }

        // The same link does not open a workspace port of the same number.
        using (var other = await guest.GetAsync(new Uri($"http://8080-{id}.localhost:{_app.BaseAddress.Port}/"), html: false))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);
        }

        // The developer swaps the Service for an ExternalName one of the same name: the proxy refuses it, never following the alias.
        var before = _destinations.Count;
        await developer.CoreV1.DeleteNamespacedServiceAsync("api", dev);
        await developer.CoreV1.CreateNamespacedServiceAsync(new V1Service { Metadata = new V1ObjectMeta { Name = "api" }, Spec = new V1ServiceSpec { Type = "ExternalName", ExternalName = "db.internal.example.com", Ports = [new V1ServicePort { Port = 8080 }] } }, dev);
        await WaitForServicePortAsync(lead, id, "api", 8080, listening: false);
        using (var refused = await guest.GetAsync(new Uri(origin + "/hello")))
        {
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
            Assert.Contains("No Service api with port 8080", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(before, _destinations.Count);
    }

    [Fact]
    public async Task ServicePreview_UnknownOrExternalNameService_VisibilityAndShareLinksAreRefusedWithAMessage()
    {
        using var lead = await _app.CreateUserAsync();
        var (id, dev) = await WorkspaceWithClusterAccessAsync(lead);
        using var developer = _cluster.CreateClient();
        await developer.CoreV1.CreateNamespacedServiceAsync(new V1Service { Metadata = new V1ObjectMeta { Name = "anywhere" }, Spec = new V1ServiceSpec { Type = "ExternalName", ExternalName = "internal.example.com", Ports = [new V1ServicePort { Port = 443 }] } }, dev);
        await developer.CoreV1.CreateNamespacedServiceAsync(Service("api", 8080), dev);
        await WaitForServicePortAsync(lead, id, "api", 8080, listening: true);

        using var external = await lead.Http.PutAsJsonAsync(new Uri($"/api/workspaces/{id}/services/anywhere/ports/443/visibility", UriKind.Relative), new { visibility = "Public" });
        using var otherPort = await lead.Http.PostAsJsonAsync(new Uri($"/api/workspaces/{id}/services/api/ports/9090/share-links", UriKind.Relative), new { expiresIn = "1h" });
        using var badName = await lead.Http.PutAsJsonAsync(new Uri($"/api/workspaces/{id}/services/Api.evil/ports/80/visibility", UriKind.Relative), new { visibility = "Public" });

        Assert.Equal(HttpStatusCode.BadRequest, external.StatusCode);
        Assert.Contains("ExternalName Services are never previewed", await external.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, otherPort.StatusCode);
        Assert.Contains("no Service “api” with TCP port 9090", await otherPort.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        Assert.Empty(_destinations);
    }

    private static V1Service Service(string name, int port) =>
        new() { Metadata = new V1ObjectMeta { Name = name }, Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = name }, Ports = [new V1ServicePort { Name = "http", Port = port }] } };

    private async Task<(string Id, string Namespace)> WorkspaceWithClusterAccessAsync(ApiClient lead)
    {
        var teamId = (await AccessWorld.PostAsync(lead, "/api/teams", new { name = "Platform" })).GetProperty("id").GetString()!;
        var projectId = (await AccessWorld.PostAsync(lead, $"/api/teams/{teamId}/projects", new { name = "shop", repositoryUrl = "https://git.example/acme/shop.git" })).GetProperty("id").GetString()!;
        using (var enabled = await lead.Http.PutAsJsonAsync(new Uri($"/api/projects/{projectId}/cluster-access", UriKind.Relative), new { enabled = true, namespacePattern = "dev-{workspace}" }))
        {
            Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        }

        var id = (await AccessWorld.PostAsync(lead, $"/api/projects/{projectId}/workspaces", new { })).GetProperty("id").GetString()!;
        await Poll.UntilAsync(() => (string?)_cluster.Get("workspaces.dev/workspaces", Namespace, id)?["status"]?["clusterAccess"]?["phase"] == "Ready", Timeout, "the workspace's development namespace");
        return (id, $"dev-{id}");
    }

    private static string? ServiceOf(JsonElement port) =>
        port.TryGetProperty("service", out var service) && service.ValueKind == JsonValueKind.String ? service.GetString() : null;

    private static async Task<List<JsonElement>> PortsAsync(ApiClient client, string id) =>
        [.. (await client.Http.GetFromJsonAsync<JsonElement>(new Uri($"/api/workspaces/{id}/ports", UriKind.Relative))).EnumerateArray()];

    private async Task<JsonElement> WaitForServicePortAsync(ApiClient client, string id, string service, int port, bool listening)
    {
        JsonElement found = default;
        try
        {
            await WaitAsync();
        }
        catch (TimeoutException e)
        {
            var ports = string.Join(", ", (await PortsAsync(client, id)).Select(p => p.GetRawText()));
            var runtime = _app.Services.GetRequiredService<WorkspaceController.Runtime.IWorkspaceServices>();
            var watched = _app.Services.GetRequiredService<WorkspaceController.Kubernetes.Runtime.WorkspaceResourceWatch>().Informer.Get(id);
            throw new TimeoutException(
                $"{e.Message} Workspace status: {_cluster.Get("workspaces.dev/workspaces", Namespace, id)?["status"]?.ToJsonString()}; ports: {ports}; "
                + $"the web app's {runtime.GetType().Name} reports {runtime.GetServices(id).Count} services; its cache (rv {watched?.Metadata.ResourceVersion}, the server's {_cluster.Get("workspaces.dev/workspaces", Namespace, id)?["metadata"]?["resourceVersion"]}): {(watched is null ? "none" : k8s.KubernetesJson.Serialize(watched))}",
                e);
        }

        return found;

        Task WaitAsync() => Poll.UntilAsync(
            async () =>
            {
                var match = (await PortsAsync(client, id)).Where(p => ServiceOf(p) == service && p.GetProperty("port").GetInt32() == port).ToList();
                found = match.FirstOrDefault();
                return listening ? match.Count == 1 && found.GetProperty("listening").GetBoolean() : match.Count == 0 || !found.GetProperty("listening").GetBoolean();
            },
            Timeout,
            $"Service {service} port {port} {(listening ? "listed" : "gone")} in the Ports API");
    }

    private static async Task<WebApplication> StartUpstreamAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var upstream = builder.Build();
        upstream.MapGet("/hello", (HttpRequest request) => $"svc/api says hello to {request.Host}");
        await upstream.StartAsync();
        return upstream;
    }

    /// <summary>
    /// YARP's own forwarder, except that a destination in the cluster's DNS (which no test machine resolves) is recorded
    /// and reached at the test's upstream on loopback; any other destination fails the test.
    /// </summary>
    private sealed class ClusterDnsForwarder(ConcurrentQueue<string> destinations, string upstream) : IHttpForwarder
    {
        private readonly IHttpForwarder _inner = new ServiceCollection().AddLogging().AddHttpForwarder().BuildServiceProvider().GetRequiredService<IHttpForwarder>();

        public ValueTask<ForwarderError> SendAsync(HttpContext context, string destinationPrefix, HttpMessageInvoker httpClient, ForwarderRequestConfig requestConfig, HttpTransformer transformer) =>
            SendAsync(context, destinationPrefix, httpClient, requestConfig, transformer, CancellationToken.None);

        public ValueTask<ForwarderError> SendAsync(HttpContext context, string destinationPrefix, HttpMessageInvoker httpClient, ForwarderRequestConfig requestConfig, HttpTransformer transformer, CancellationToken cancellationToken)
        {
            destinations.Enqueue(destinationPrefix);
            Assert.EndsWith(".svc.cluster.local:8080/", destinationPrefix, StringComparison.Ordinal);
            return _inner.SendAsync(context, upstream + "/", httpClient, requestConfig, transformer, cancellationToken);
        }
    }
}
