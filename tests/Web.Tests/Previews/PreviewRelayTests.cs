using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Network;
using Workspaces.TestSupport.Processes;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Previews;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Previews;

/// <summary>
/// Previews through the agent's relay (<c>Relay=Always</c>, as a Kubernetes runtime uses it for listeners bound only to
/// loopback in the pod), with real workspaces whose dev server listens on 127.0.0.1 only.
/// </summary>
public sealed class PreviewRelayTests(PreviewRelayTests.RelayApp fixture) : IClassFixture<PreviewRelayTests.RelayApp>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly GitRepositoryFixture _repositories = new();
    private readonly PreviewBrowser _browser = new(fixture.App);

    public void Dispose()
    {
        _browser.Dispose();
        _repositories.Dispose();
    }

    [Fact]
    public async Task Relay_LoopbackOnlyServer_HttpAndWebSocketReachItThroughTheAgent()
    {
        var (id, port, _) = await RunningServerAsync();
        using var cancel = new CancellationTokenSource(Timeout);

        using (var hello = await _browser.GetAsync(_browser.Url(id, port)))
        {
            Assert.Equal(HttpStatusCode.OK, hello.StatusCode);
            Assert.Equal("hello from the workspace\n", await hello.Content.ReadAsStringAsync(cancel.Token));
        }

        // What the app sees is what a direct connection gives it: the preview's Host, our forwarded headers.
        using (var headers = await _browser.GetAsync(_browser.Url(id, port, "/headers"), html: false))
        {
            var echoed = (await headers.Content.ReadFromJsonAsync<Dictionary<string, string>>(cancel.Token))!;
            Assert.Equal($"{port}-{id}.localhost:{fixture.App.BaseAddress.Port}", echoed["host"]);
            Assert.DoesNotContain("authorization", echoed.Keys);
        }

        using var socket = await _browser.ConnectWebSocketAsync(_browser.Url(id, port, "/hmr"), cancel.Token);
        Assert.Equal(WebSocketState.Open, socket.State);
        Assert.Equal("through the agent", await PreviewProxyTests.EchoAsync(socket, "through the agent", cancel.Token));

        // The connections went through the agent, not to the port directly: a sandboxed agent (on a Unix socket) hands
        // over its own connection to the listener, another relays the bytes.
        var sandboxed = await SandboxedAsync(id);
        var opened = sandboxed ? $"Preview connection to port {port} of workspace {id} handed over by its agent" : $"Preview relay to port {port} of workspace {id} opened through its agent";
        Assert.Contains(fixture.App.Logs!.Lines, l => l.Contains(opened, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Relay_PooledConnection_ServesManyRequestsAndIsReplacedWhenTheAppClosesIt()
    {
        var (id, port, _) = await RunningServerAsync();

        // One connection through the agent serves request after request (one relay request, not one per request).
        var first = await TextAsync(_browser, id, port, "/connection");
        Assert.Equal(first, await TextAsync(_browser, id, port, "/connection"));
        Assert.Equal(first, await TextAsync(_browser, id, port, "/connection"));

        // The app ends its keep-alive connection: the next request gets a new one, and an answer.
        Assert.Equal("closing", await TextAsync(_browser, id, port, "/close"));
        var after = await TextAsync(_browser, id, port, "/connection");
        Assert.NotEqual(first, after);
        Assert.Equal("hello from the workspace\n", await TextAsync(_browser, id, port, "/"));
    }

    [Fact]
    public async Task ShareLink_RevokedWhileItsConnectionsArePooled_TheNextRequestIsRefused()
    {
        var (id, port, _) = await RunningServerAsync(visibility: "private");
        using var cancel = new CancellationTokenSource(Timeout);
        using var created = await fixture.Admin.Http.PostAsJsonAsync($"/api/workspaces/{id}/ports/{port}/share-links", new { expiresIn = "1h" }, cancel.Token);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var link = (await created.Content.ReadFromJsonAsync<CreatedPreviewShareLink>(ApiClient.Json, cancel.Token))!;
        using var bob = new PreviewBrowser(fixture.App);
        using (var redeemed = await bob.GetAsync(new Uri(link.Url)))
        {
            Assert.Equal(HttpStatusCode.Redirect, redeemed.StatusCode);
        }

        // Bob's requests reuse his connection to the web app and the web app's pooled connection to the app.
        var connection = await TextAsync(bob, id, port, "/connection");
        Assert.Equal(connection, await TextAsync(bob, id, port, "/connection"));

        using (var revoked = await fixture.Admin.Http.DeleteAsync($"/api/workspaces/{id}/share-links/{link.Link.Id}", cancel.Token))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        using var after = await bob.GetAsync(bob.Url(id, port, "/connection"));
        Assert.Equal(HttpStatusCode.Gone, after.StatusCode);
        Assert.Contains("revoked", await after.Content.ReadAsStringAsync(cancel.Token), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    public async Task Relay_ServerDiesHoldingARequestOnAPooledConnection_NotListeningPageInsteadOfAnError(string method)
    {
        var (id, port, pid, name) = await RunningServerWithNameAsync();

        // The proxy keeps its connection to the app (the one the agent handed over) for the next request.
        var pooled = await TextAsync(_browser, id, port, "/connection");
        Assert.Equal(pooled, await TextAsync(_browser, id, port, "/connection"));

        // The race on purpose: the app dies after it read a request on that connection and before it answered (a GET
        // .NET's client retries by itself; a POST it may not). The app says when it has the request.
        using var request = new HttpRequestMessage(new HttpMethod(method), _browser.Url(id, port, "/hang"));
        request.Headers.Accept.ParseAdd("text/html");
        if (method == "POST")
        {
            request.Content = new StringContent("name=value", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");
        }

        var answered = _browser.SendAsync(request);
        var marker = Path.Combine(fixture.App.WorkspaceDirectory(id), name, "hanging");
        // The app creates the marker, then writes the method and a newline: wait for the whole line.
        await Poll.UntilAsync(() => answered.IsCompleted || (File.Exists(marker) && File.ReadAllText(marker).EndsWith('\n')), Timeout, "the app to hold the request");
        Assert.False(answered.IsCompleted, "The app answered a request it holds.");
        Assert.Equal($"{method}\n", await File.ReadAllTextAsync(marker));
        Assert.True(ProcessSignals.Send(pid, ProcessSignals.SigKill));
        using var waiting = await answered;

        Assert.Equal(HttpStatusCode.BadGateway, waiting.StatusCode);
        Assert.Contains($"Nothing is listening on port {port} yet", await waiting.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relay_ServerStops_NotListeningPageInsteadOfAnError()
    {
        var (id, port, pid) = await RunningServerAsync();
        using (var hello = await _browser.GetAsync(_browser.Url(id, port)))
        {
            Assert.Equal(HttpStatusCode.OK, hello.StatusCode);
        }

        // Asked at once: the web app may still believe the port listens, so the relay is what finds it gone.
        Assert.True(ProcessSignals.Send(pid, ProcessSignals.SigKill));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(pid, Timeout), "the dev server to exit");
        using var waiting = await _browser.GetAsync(_browser.Url(id, port));

        Assert.Equal(HttpStatusCode.BadGateway, waiting.StatusCode);
        Assert.Contains($"Nothing is listening on port {port} yet", await waiting.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RelayClient_AgentRefuses_SaysWhetherNothingListens()
    {
        var (id, port, _) = await RunningServerAsync();
        var target = await fixture.App.Services.GetRequiredService<PreviewState>().GetTargetAsync(id, CancellationToken.None);
        var relay = fixture.App.Services.GetRequiredService<PreviewRelay>();

        async Task<PreviewRelayException> RefusalAsync(int relayed)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, PreviewRelay.Destination(id, relayed));
            request.Options.Set(PreviewRelay.RouteKey, new PreviewRelayRoute(id, target!.AgentUrl!, target.AgentSecret!, relayed));
            var failed = await Assert.ThrowsAsync<HttpRequestException>(() => relay.Client.SendAsync(request, CancellationToken.None));
            return Assert.IsType<PreviewRelayException>(failed.InnerException);
        }

        var closed = await RefusalAsync(ClosedPort.Reserve());
        Assert.Equal(404, closed.Status);
        Assert.True(closed.NothingListens);

        // An agent on a TCP port never relays to it; a sandboxed agent has none (it listens on a Unix socket).
        if (target!.AgentUrl!.IsLoopback)
        {
            var agent = await RefusalAsync(target.AgentUrl.Port);
            Assert.Equal(403, agent.Status);
            Assert.False(agent.NothingListens);
        }

        // A wrong secret is refused too (the agent answers 401 before looking at the port).
        using var forged = new HttpRequestMessage(HttpMethod.Get, PreviewRelay.Destination(id, port));
        forged.Options.Set(PreviewRelay.RouteKey, new PreviewRelayRoute(id, target.AgentUrl, "not-the-secret", port));
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => relay.Client.SendAsync(forged, CancellationToken.None));
        Assert.Equal(401, Assert.IsType<PreviewRelayException>(refused.InnerException).Status);
    }

    [Theory]
    [InlineData(PreviewRelayMode.Auto, "http://10.0.0.7:8700/", new[] { "127.0.0.1" }, true)]
    [InlineData(PreviewRelayMode.Auto, "http://ws-a.ns.svc.cluster.local:8700/", new[] { "::1", "127.0.0.1" }, true)]
    [InlineData(PreviewRelayMode.Auto, "http://10.0.0.7:8700/", new[] { "0.0.0.0" }, false)]
    [InlineData(PreviewRelayMode.Auto, "http://10.0.0.7:8700/", new[] { "127.0.0.1", "10.0.0.7" }, false)]
    [InlineData(PreviewRelayMode.Auto, "http://127.0.0.1:41000/", new[] { "127.0.0.1" }, false)]
    [InlineData(PreviewRelayMode.Never, "http://10.0.0.7:8700/", new[] { "127.0.0.1" }, false)]
    [InlineData(PreviewRelayMode.Always, "http://127.0.0.1:41000/", new[] { "0.0.0.0" }, true)]
    public void ShouldRelay_ModeAgentAndListenerAddresses_RelaysOnlyWhatIsNotReachable(PreviewRelayMode mode, string agentUrl, string[] addresses, bool relayed)
    {
        var port = new Shared.Agent.WorkspacePort(3000, null, Shared.Configuration.PortOnOpen.Notify, Shared.Configuration.PortVisibility.Public, true, addresses);

        Assert.Equal(relayed, PreviewRelay.ShouldRelay(mode, new Uri(agentUrl), port));
    }

    [Fact]
    public void Validator_UndefinedRelayMode_NamesTheKey()
    {
        var result = new PreviewOptionsValidator().Validate(null, new PreviewOptions { Relay = (PreviewRelayMode)7 });

        Assert.Contains(result.Failures!, f => f.StartsWith("Workspaces:Previews:Relay", StringComparison.Ordinal));
    }

    private static async Task<string> TextAsync(PreviewBrowser browser, string id, int port, string path)
    {
        using var response = await browser.GetAsync(browser.Url(id, port, path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private async Task<bool> SandboxedAsync(string id)
    {
        var target = await fixture.App.Services.GetRequiredService<PreviewState>().GetTargetAsync(id, CancellationToken.None);
        return !fixture.App.Services.GetRequiredService<PreviewRelay>().ReachesPortsDirectly(target!.AgentUrl!);
    }

    /// <summary>A workspace whose task serves a port on 127.0.0.1 (public unless said) and writes its process id where the test can stop it.</summary>
    private async Task<(string Id, int Port, int Pid)> RunningServerAsync(string visibility = "public")
    {
        var (id, port, pid, _) = await RunningServerWithNameAsync(visibility);
        return (id, port, pid);
    }

    /// <summary>The same, with the name of the checkout (the server's working directory, under the workspace's directory).</summary>
    private async Task<(string Id, int Port, int Pid, string Name)> RunningServerWithNameAsync(string visibility = "public")
    {
        var name = $"relay-{Guid.NewGuid():N}";
        var (id, port) = await PreviewWorkspace.StartAsync(fixture.Admin, _repositories, name, Timeout, $"    visibility: {visibility}\n", beforeServer: "echo $$ > server.pid; ");
        return (id, port, await fixture.App.ReadPidFileAsync(id, $"{name}/server.pid"), name);
    }

    public sealed class RelayApp : AppFixture
    {
        protected override Task<IReadOnlyDictionary<string, string?>> CreateSettingsAsync() =>
            Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>
            {
                ["Workspaces:Previews:Relay"] = "Always",
                [LogCapture.SettingKey] = "true",
                ["Logging:LogLevel:Workspaces.Web.Previews.PreviewRelay"] = "Debug",
            });
    }
}
