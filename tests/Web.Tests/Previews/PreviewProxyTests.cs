using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.Data;
using Workspaces.Shared.Configuration;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Previews;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Previews;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Previews;

/// <summary>Real dev servers in real workspaces, reached through their preview origins.</summary>
public sealed class PreviewProxyTests(AppFixture fixture) : IClassFixture<AppFixture>, IDisposable
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
    public async Task PrivatePort_AnonymousOtherUserAndOwner_OnlyTheOwnerGetsThroughAndNoIdeCookieCrosses()
    {
        var (owner, id, port) = await RunningServerAsync();
        var url = _browser.Url(id, port, "/headers");

        // Anonymous: a page navigation goes to the IDE to sign in; a script's request is refused.
        using (var navigation = await _browser.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.Redirect, navigation.StatusCode);
            Assert.StartsWith($"http://localhost:{fixture.App.BaseAddress.Port}/previews/authorize?workspace={id}&port={port}", navigation.Headers.Location!.ToString(), StringComparison.Ordinal);
        }

        using (var script = await _browser.GetAsync(url, html: false))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, script.StatusCode);
        }

        // Another signed-in user is not let in by the IDE, and a forged grant cookie does nothing.
        var mallory = await BrowserSession.SignInAsync(fixture.App, await NewUserAsync("mallory"), TestApp.Password);
        using (var first = await _browser.GetAsync(url))
        using (var ide = await mallory.SendAsync(_browser.Http, new HttpRequestMessage(HttpMethod.Get, first.Headers.Location)))
        {
            Assert.Equal(HttpStatusCode.NotFound, ide.StatusCode);
        }

        _browser.SetCookie(url, PreviewGrants.OwnerCookie, "forged");
        using (var forged = await _browser.GetAsync(url, html: false))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        }

        // The owner: through the ticket flow, a host-only cookie on the preview origin.
        await _browser.SignInAsOwnerAsync(owner.Session, id, port);
        var grant = Assert.Single(_browser.SetCookieHeaders, h => h.StartsWith(PreviewGrants.OwnerCookie + "=", StringComparison.Ordinal));
        Assert.DoesNotContain("domain=", grant, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", grant, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(_browser.SetCookieHeaders, h => h.Contains("workspaces-session", StringComparison.Ordinal));

        // What the app receives: its own cookies only, the original Host and forwarded headers we set (not the client's).
        _browser.SetCookie(url, "__Host-workspaces-session", "ide-session");
        _browser.SetCookie(url, "app", "mine");
        var headers = await GetJsonAsync(url, [new("X-Forwarded-For", "6.6.6.6"), new("X-Forwarded-Host", "evil.example")]);
        Assert.Equal("app=mine", headers["cookie"]);
        Assert.Equal($"{port}-{id}.localhost:{fixture.App.BaseAddress.Port}", headers["host"]);
        Assert.Equal($"{port}-{id}.localhost:{fixture.App.BaseAddress.Port}", headers["x-forwarded-host"]);
        Assert.Equal("http", headers["x-forwarded-proto"]);
        Assert.Equal("127.0.0.1", headers["x-forwarded-for"]);

        // A ticket is good once.
        var session = owner.Session;
        using var again = await _browser.GetAsync(_browser.Url(id, port, "/__workspaces/auth?ticket=abc"));
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.True(session.HasSessionCookie);
    }

    [Fact]
    public async Task Owner_DevServerTraffic_StreamsWebSocketsUploadsCookiesAndRedirectsPass()
    {
        var (owner, id, port) = await RunningServerAsync();
        await _browser.SignInAsOwnerAsync(owner.Session, id, port);
        using var cancel = new CancellationTokenSource(Timeout);

        // The app's cookies stay on its origin: no Domain, and never one of our names.
        using (var cookies = await _browser.GetAsync(_browser.Url(id, port, "/set-cookie")))
        {
            var set = cookies.Headers.GetValues("Set-Cookie").ToList();
            Assert.Contains(set, c => c.StartsWith("app=1", StringComparison.Ordinal));
            Assert.Contains(set, c => c.StartsWith("wide=1", StringComparison.Ordinal) && !c.Contains("domain", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(set, c => c.StartsWith("workspaces-preview-owner=evil", StringComparison.Ordinal));
        }

        using (var redirect = await _browser.GetAsync(_browser.Url(id, port, "/redirect")))
        {
            Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
            Assert.Equal("/headers", redirect.Headers.Location!.OriginalString);
        }

        // Server-sent events arrive as they are sent, not when the response ends.
        using (var events = await _browser.GetAsync(_browser.Url(id, port, "/events"), html: false))
        {
            await PreviewBrowser.AssertTicksStreamAsync(events, cancel.Token);
        }

        // A 64 MiB upload (over Kestrel's default body limit) arrives whole.
        var body = RandomNumberGenerator.GetBytes(64 << 20);
        using (var upload = new HttpRequestMessage(HttpMethod.Post, _browser.Url(id, port, "/upload")) { Content = new ByteArrayContent(body) })
        using (var uploaded = await _browser.SendAsync(upload))
        {
            var result = await uploaded.Content.ReadFromJsonAsync<JsonElement>(cancel.Token);
            Assert.Equal(body.Length, result.GetProperty("bytes").GetInt32());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), result.GetProperty("sha256").GetString());
        }

        using var socket = await _browser.ConnectWebSocketAsync(_browser.Url(id, port, "/hmr"), cancel.Token);
        Assert.Equal(WebSocketState.Open, socket.State);
        Assert.Equal("echo me", await EchoAsync(socket, "echo me", cancel.Token));
    }

    [Fact]
    public async Task PublicPort_Anonymous_GetsThroughUntilMadePrivateWhichCutsOpenConnections()
    {
        var (owner, id, port) = await RunningServerAsync();
        using var cancel = new CancellationTokenSource(Timeout);
        using (var made = await owner.Api.Http.PutAsJsonAsync($"/api/workspaces/{id}/ports/{port}/visibility", new { visibility = "Public" }, cancel.Token))
        {
            Assert.Equal(HttpStatusCode.OK, made.StatusCode);
        }

        using (var hello = await _browser.GetAsync(_browser.Url(id, port)))
        {
            Assert.Equal(HttpStatusCode.OK, hello.StatusCode);
            Assert.Equal("hello from the workspace\n", await hello.Content.ReadAsStringAsync(cancel.Token));
        }

        using var socket = await _browser.ConnectWebSocketAsync(_browser.Url(id, port, "/ws"), cancel.Token);
        Assert.Equal("before", await EchoAsync(socket, "before", cancel.Token));

        using (var made = await owner.Api.Http.PutAsJsonAsync($"/api/workspaces/{id}/ports/{port}/visibility", new { visibility = "Private" }, cancel.Token))
        {
            Assert.Equal(HttpStatusCode.OK, made.StatusCode);
        }

        await AssertCutAsync(socket, cancel.Token);
        using (var refused = await _browser.GetAsync(_browser.Url(id, port), html: false))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var details = await owner.Api.GetWorkspaceAsync(id);
        Assert.Contains(details!.Events, e => e.Kind == PreviewService.VisibilityEvent && e.Message.Contains($"port {port} public", StringComparison.Ordinal));
        Assert.Contains(details.Events, e => e.Kind == PreviewService.VisibilityEvent && e.Message.Contains($"port {port} private", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TeamVisibility_PersonalWorkspace_IsRefusedSayingWhyAndThePortStaysAsItWas()
    {
        var (owner, id, port) = await RunningServerAsync();
        using (var refused = await owner.Api.Http.PutAsJsonAsync($"/api/workspaces/{id}/ports/{port}/visibility", new { visibility = "Team" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("this one is personal", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var ports = await owner.Api.Http.GetFromJsonAsync<List<PortView>>($"/api/workspaces/{id}/ports", ApiClient.Json);
        Assert.Equal(PortVisibility.Private, Assert.Single(ports!, p => p.Port == port).Visibility);
    }

    [Fact]
    public async Task ShareLink_FreshBrowser_GetsInUntilRevokedWhichCutsItsWebSocketAtOnce()
    {
        var (owner, id, port) = await RunningServerAsync();
        using var cancel = new CancellationTokenSource(Timeout);
        var created = await CreateShareLinkAsync(owner, id, port, new { label = "for Bob", expiresIn = "1h" });
        Assert.StartsWith($"http://{port}-{id}.localhost:{fixture.App.BaseAddress.Port}/__workspaces/share/wsl_", created.Url, StringComparison.Ordinal);

        using var bob = new PreviewBrowser(fixture.App);
        using (var redeemed = await bob.GetAsync(new Uri(created.Url)))
        {
            Assert.Equal(HttpStatusCode.Redirect, redeemed.StatusCode);
            Assert.Equal("/", redeemed.Headers.Location!.OriginalString);
        }

        using (var hello = await bob.GetAsync(bob.Url(id, port)))
        {
            Assert.Equal(HttpStatusCode.OK, hello.StatusCode);
        }

        using var socket = await bob.ConnectWebSocketAsync(bob.Url(id, port, "/ws"), cancel.Token);
        Assert.Equal("hi", await EchoAsync(socket, "hi", cancel.Token));

        // The link is bound to its port: another port of the same workspace stays closed.
        using (var otherPort = await bob.GetAsync(bob.Url(id, port + 1 > 65535 ? port - 1 : port + 1), html: false))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, otherPort.StatusCode);
        }

        var ports = await owner.Api.Http.GetFromJsonAsync<List<PortView>>($"/api/workspaces/{id}/ports", ApiClient.Json, cancel.Token);
        var listed = Assert.Single(ports!.Single(p => p.Port == port).ShareLinks);
        Assert.Equal("for Bob", listed.Label);
        Assert.NotNull(listed.LastUsedAt);

        using (var revoked = await owner.Api.Http.DeleteAsync($"/api/workspaces/{id}/share-links/{listed.Id}", cancel.Token))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        await AssertCutAsync(socket, cancel.Token);
        using (var after = await bob.GetAsync(bob.Url(id, port)))
        {
            Assert.Equal(HttpStatusCode.Gone, after.StatusCode);
            Assert.Contains("revoked", await after.Content.ReadAsStringAsync(cancel.Token), StringComparison.Ordinal);
        }

        using var fresh = new PreviewBrowser(fixture.App);
        using (var reused = await fresh.GetAsync(new Uri(created.Url)))
        {
            Assert.Equal(HttpStatusCode.Gone, reused.StatusCode);
        }

        var details = await owner.Api.GetWorkspaceAsync(id);
        Assert.Contains(details!.Events, e => e.Kind == PreviewService.LinkUsedEvent && e.Message.Contains("for Bob", StringComparison.Ordinal));
        Assert.Contains(details.Events, e => e.Kind == PreviewService.LinkRevokedEvent);
    }

    [Fact]
    public async Task ShareLink_ExpiredOrForeign_IsRefusedAndOnlyTheOwnerManagesLinks()
    {
        var (owner, id, port) = await RunningServerAsync();
        var created = await CreateShareLinkAsync(owner, id, port, new { expiresIn = "1h" });
        await using (var scope = fixture.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<WorkspacesDbContext>();
            var past = DateTimeOffset.UtcNow.AddMinutes(-1);
            await db.PreviewShareLinks.Where(l => l.Id == created.Link.Id).ExecuteUpdateAsync(s => s.SetProperty(l => l.ExpiresAt, past));
        }

        using (var expired = await _browser.GetAsync(new Uri(created.Url)))
        {
            Assert.Equal(HttpStatusCode.Gone, expired.StatusCode);
            Assert.Contains("expired", await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var wrong = await _browser.GetAsync(_browser.Url(id, port, "/__workspaces/share/wsl_" + new string('A', 43))))
        {
            Assert.Equal(HttpStatusCode.NotFound, wrong.StatusCode);
        }

        using var eve = await fixture.App.CreateUserAsync();
        using (var list = await eve.Http.GetAsync($"/api/workspaces/{id}/ports"))
        {
            Assert.Equal(HttpStatusCode.NotFound, list.StatusCode);
        }

        using (var create = await eve.Http.PostAsJsonAsync($"/api/workspaces/{id}/ports/{port}/share-links", new { expiresIn = "1h" }))
        {
            Assert.Equal(HttpStatusCode.NotFound, create.StatusCode);
        }

        using (var revoke = await eve.Http.DeleteAsync($"/api/workspaces/{id}/share-links/{created.Link.Id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
        }

        using (var publish = await eve.Http.PutAsJsonAsync($"/api/workspaces/{id}/ports/{port}/visibility", new { visibility = "Public" }))
        {
            Assert.Equal(HttpStatusCode.NotFound, publish.StatusCode);
        }

        using (var bad = await owner.Api.Http.PostAsJsonAsync($"/api/workspaces/{id}/ports/70000/share-links", new { expiresIn = "1h" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal("application/problem+json", bad.Content.Headers.ContentType!.MediaType);
        }
    }

    [Fact]
    public async Task HelpfulPages_NothingListeningUnknownAgentPortAndStopped_SaySoInsteadOfRawErrors()
    {
        var idle = PreviewServer.FreePort();
        var (owner, id, port) = await RunningServerAsync(declaredIdlePort: idle);
        await _browser.SignInAsOwnerAsync(owner.Session, id, idle);

        using (var waiting = await _browser.GetAsync(_browser.Url(id, idle)))
        {
            Assert.Equal(HttpStatusCode.BadGateway, waiting.StatusCode);
            Assert.Contains($"Nothing is listening on port {idle} yet", await waiting.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal("2", waiting.Headers.GetValues("Refresh").Single());
        }

        foreach (var unknown in new[] { new Uri($"http://99999-{id}.localhost:{fixture.App.BaseAddress.Port}/"), new Uri($"http://x-{id}.localhost:{fixture.App.BaseAddress.Port}/") })
        {
            using var notFound = await _browser.GetAsync(unknown);
            Assert.True(notFound.StatusCode == HttpStatusCode.NotFound, $"{unknown}: {(int)notFound.StatusCode}");
        }

        // A workspace that does not exist answers as a private one does, to whoever may see neither: sign in on the IDE.
        using (var missing = await _browser.GetAsync(_browser.Url("nope-abcdefgh", port)))
        {
            Assert.Equal(HttpStatusCode.Redirect, missing.StatusCode);
            Assert.Contains("/previews/authorize?workspace=nope-abcdefgh", missing.Headers.Location!.ToString(), StringComparison.Ordinal);
        }

        // The agent's own port is never a preview, even for its owner.
        var agentPort = new Uri(Assert.IsType<string>(await AgentUrlAsync(id))).Port;
        await _browser.SignInAsOwnerAsync(owner.Session, id, agentPort);
        using (var agent = await _browser.GetAsync(_browser.Url(id, agentPort, "/api/status")))
        {
            Assert.Equal(HttpStatusCode.NotFound, agent.StatusCode);
        }

        await _browser.SignInAsOwnerAsync(owner.Session, id, port);
        using (var stop = await owner.Api.PostActionAsync(id, "stop"))
        {
            Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        }

        await owner.Api.WaitUntilSettledAsync(id);
        await Poll.UntilAsync(
            async () =>
            {
                using var stopped = await _browser.GetAsync(_browser.Url(id, port));
                return stopped.StatusCode == HttpStatusCode.ServiceUnavailable
                    && (await stopped.Content.ReadAsStringAsync()).Contains($"/workspaces/{id}", StringComparison.Ordinal);
            },
            Timeout,
            "the stopped page with a way to start the workspace");

        // The way to start it is a page on the IDE origin that asks first (a cross-origin POST would carry no session).
        using (var stopped = await _browser.GetAsync(_browser.Url(id, port)))
        {
            var html = await stopped.Content.ReadAsStringAsync();
            Assert.Matches($"href=\"http://localhost:{fixture.App.BaseAddress.Port}/workspaces/{id}\\?start=confirm\"", html);
            Assert.Contains("Start the workspace", html, StringComparison.Ordinal);
        }

        // Once it is started (the owner confirms there), the same preview address serves the app again by itself.
        using (var start = await owner.Api.PostActionAsync(id, "start"))
        {
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        }

        await Poll.UntilAsync(
            async () =>
            {
                using var again = await _browser.GetAsync(_browser.Url(id, port), html: false);
                return again.StatusCode == HttpStatusCode.OK;
            },
            Timeout,
            "the preview to serve the app after the start");
    }

    [Fact]
    public async Task Ports_ServerStartsInTheWorkspace_AppearsWithItsDeclaredNameAndUrl()
    {
        var (owner, id, port) = await RunningServerAsync();
        var ports = await owner.Api.Http.GetFromJsonAsync<List<PortView>>($"/api/workspaces/{id}/ports", ApiClient.Json);
        var web = Assert.Single(ports!, p => p.Port == port);
        Assert.True(web.Listening);
        Assert.Equal("web", web.Name);
        Assert.Equal(PortOnOpen.OpenPreview, web.OnOpen);
        Assert.Equal(PortVisibility.Private, web.Visibility);
        Assert.Equal($"http://{port}-{id}.localhost:{fixture.App.BaseAddress.Port}/", web.Url);
    }

    private async Task<(Owner Owner, string Id, int Port)> RunningServerAsync(int? declaredIdlePort = null)
    {
        var email = await NewUserAsync("owner");
        var api = await fixture.App.SignInAsync(email);
        var session = await BrowserSession.SignInAsync(fixture.App, email, TestApp.Password);
        var idle = declaredIdlePort is { } p ? $"\n  - port: {p}\n    name: idle" : "";
        var (id, port) = await PreviewWorkspace.StartAsync(api, _repositories, $"previews-{Guid.NewGuid():N}", Timeout, $"{PreviewWorkspace.NamedPort}    onOpen: open-preview{idle}\n");
        return (new Owner(api, session), id, port);
    }

    private async Task<string> NewUserAsync(string name)
    {
        var email = $"{name}-{Guid.NewGuid():N}@example.com";
        (await fixture.App.CreateUserAsync(email)).Dispose();
        return email;
    }

    private async Task<string?> AgentUrlAsync(string id)
    {
        var runtime = fixture.App.Services.GetRequiredService<WorkspaceController.Runtime.IWorkspaceRuntime>();
        return (await runtime.ObserveAsync(id, CancellationToken.None)).AgentUrl?.ToString();
    }

    private async Task<Dictionary<string, string>> GetJsonAsync(Uri url, IEnumerable<KeyValuePair<string, string>> headers)
    {
        using var response = await _browser.GetAsync(url, html: false, headers);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>())!;
    }

    private static async Task<CreatedPreviewShareLink> CreateShareLinkAsync(Owner owner, string id, int port, object body)
    {
        using var response = await owner.Api.Http.PostAsJsonAsync($"/api/workspaces/{id}/ports/{port}/share-links", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<CreatedPreviewShareLink>(ApiClient.Json))!;
    }

    internal static async Task<string> EchoAsync(ClientWebSocket socket, string text, CancellationToken cancellationToken)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken);
        var buffer = new byte[1024];
        var received = await socket.ReceiveAsync(buffer, cancellationToken);
        return Encoding.UTF8.GetString(buffer, 0, received.Count);
    }

    /// <summary>The connection ends without the client doing anything: a receive fails or sees the end.</summary>
    internal static async Task AssertCutAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[1024];
        try
        {
            var received = await socket.ReceiveAsync(buffer, cancellationToken);
            Assert.Equal(WebSocketMessageType.Close, received.MessageType);
        }
        catch (WebSocketException)
        {
            // Aborted: what a cut looks like.
        }

        Assert.NotEqual(WebSocketState.Open, socket.State);
    }

    private sealed record Owner(ApiClient Api, BrowserSession Session);
}
