using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;
using Workspaces.Shared.Configuration;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Previews;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Previews;

/// <summary>
/// Previews reached over HTTP/2, with the web app configured as an operator would through Kestrel's configuration: an
/// HTTPS endpoint with a certificate (browsers negotiate HTTP/2 by ALPN) and a cleartext HTTP/2-only endpoint (h2c, for
/// an ingress or load balancer). The dev server behind the proxy speaks HTTP/1.1 only.
/// </summary>
public sealed class PreviewHttp2Tests(PreviewHttp2Tests.Http2App fixture) : IClassFixture<PreviewHttp2Tests.Http2App>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose() => _repositories.Dispose();

    [Fact]
    public async Task PrivatePort_BrowserOnHttp2OverTls_SignsInAndPagesUploadsEventsAndWebSocketsPassWithOurCookiesKeptHome()
    {
        var email = NewEmail();
        using var api = await fixture.App.CreateUserAsync(email);
        var session = await BrowserSession.SignInAsync(fixture.App, email, TestApp.Password);
        var (id, port) = await RunningServerAsync(api, PortVisibility.Private);
        using var browser = new PreviewBrowser(fixture.App, fixture.Https, HttpVersion.Version20);
        using var cancel = new CancellationTokenSource(Timeout);

        // The ticket flow (preview → IDE → preview) over HTTP/2 gives the preview origin its own Secure cookie.
        await browser.SignInAsOwnerAsync(session, id, port);
        var grant = Assert.Single(browser.SetCookieHeaders, h => h.StartsWith(PreviewGrants.OwnerCookie + "=", StringComparison.Ordinal));
        Assert.Contains("secure", grant, StringComparison.OrdinalIgnoreCase);

        using (var page = await browser.GetAsync(browser.Url(id, port)))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal(HttpVersion.Version20, page.Version);
            Assert.Equal("hello from the workspace\n", await page.Content.ReadAsStringAsync(cancel.Token));
        }

        // The app gets its own cookies only, and learns it is served over https.
        browser.SetCookie(browser.Url(id, port), BrowserSession.SessionCookieName, "ide-session");
        browser.SetCookie(browser.Url(id, port), "app", "mine");
        using (var echoed = await browser.GetAsync(browser.Url(id, port, "/headers"), html: false))
        {
            Assert.Equal(HttpVersion.Version20, echoed.Version);
            var headers = (await echoed.Content.ReadFromJsonAsync<Dictionary<string, string>>(cancel.Token))!;
            Assert.Equal("app=mine", headers["cookie"]);
            Assert.Equal("https", headers["x-forwarded-proto"]);
            Assert.Equal($"{port}-{id}.localhost:{fixture.Https.Port}", headers["host"]);
        }

        using (var cookies = await browser.GetAsync(browser.Url(id, port, "/set-cookie")))
        {
            var set = cookies.Headers.GetValues("Set-Cookie").ToList();
            Assert.Contains(set, c => c.StartsWith("app=1", StringComparison.Ordinal));
            Assert.DoesNotContain(set, c => c.StartsWith("workspaces-preview-owner=evil", StringComparison.Ordinal));
        }

        // Server-sent events arrive one by one while the stream is still open.
        using (var events = await browser.GetAsync(browser.Url(id, port, "/events"), html: false))
        {
            Assert.Equal(HttpVersion.Version20, events.Version);
            await PreviewBrowser.AssertTicksStreamAsync(events, cancel.Token);
        }

        // A 40 MiB upload (over Kestrel's default body limit, which HTTP/2 requests have too) arrives whole.
        var body = RandomNumberGenerator.GetBytes(40 << 20);
        using (var upload = new HttpRequestMessage(HttpMethod.Post, browser.Url(id, port, "/upload")) { Content = new ByteArrayContent(body) })
        using (var uploaded = await browser.SendAsync(upload))
        {
            Assert.Equal(HttpVersion.Version20, uploaded.Version);
            var result = await uploaded.Content.ReadFromJsonAsync<JsonElement>(cancel.Token);
            Assert.Equal(body.Length, result.GetProperty("bytes").GetInt32());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), result.GetProperty("sha256").GetString());
        }

        // A WebSocket over HTTP/2 (an extended CONNECT answered 200, not a 101 upgrade) reaches the HTTP/1.1 dev server.
        using var socket = await browser.ConnectWebSocketAsync(browser.Url(id, port, "/hmr"), cancel.Token);
        Assert.Equal(HttpStatusCode.OK, socket.HttpStatusCode);
        Assert.Equal(WebSocketState.Open, socket.State);
        Assert.Equal("hot update", await PreviewProxyTests.EchoAsync(socket, "hot update", cancel.Token));

        // Without the grant the same HTTP/2 WebSocket is refused.
        using var stranger = new PreviewBrowser(fixture.App, fixture.Https, HttpVersion.Version20);
        using var refused = await stranger.ConnectWebSocketAsync(stranger.Url(id, port, "/hmr"), cancel.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.HttpStatusCode);
        Assert.NotEqual(WebSocketState.Open, refused.State);
    }

    [Fact]
    public async Task PublicPort_IngressSpeakingCleartextHttp2_PagesEventsAndWebSocketsPassUntilMadePrivate()
    {
        using var api = await fixture.App.CreateUserAsync(NewEmail());
        var (id, port) = await RunningServerAsync(api, PortVisibility.Public);
        using var ingress = new PreviewBrowser(fixture.App, fixture.H2c, HttpVersion.Version20);
        using var cancel = new CancellationTokenSource(Timeout);

        using (var page = await ingress.GetAsync(ingress.Url(id, port)))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal(HttpVersion.Version20, page.Version);
            Assert.Equal("hello from the workspace\n", await page.Content.ReadAsStringAsync(cancel.Token));
        }

        using (var events = await ingress.GetAsync(ingress.Url(id, port, "/events"), html: false))
        {
            await PreviewBrowser.AssertTicksStreamAsync(events, cancel.Token);
        }

        using var socket = await ingress.ConnectWebSocketAsync(ingress.Url(id, port, "/ws"), cancel.Token);
        Assert.Equal(HttpStatusCode.OK, socket.HttpStatusCode);
        Assert.Equal("over h2c", await PreviewProxyTests.EchoAsync(socket, "over h2c", cancel.Token));

        // Making the port private cuts the WebSocket (its HTTP/2 stream); the connection answers the next request.
        using (var made = await api.Http.PutAsJsonAsync($"/api/workspaces/{id}/ports/{port}/visibility", new { visibility = "Private" }, cancel.Token))
        {
            Assert.Equal(HttpStatusCode.OK, made.StatusCode);
        }

        await PreviewProxyTests.AssertCutAsync(socket, cancel.Token);
        using (var refused = await ingress.GetAsync(ingress.Url(id, port), html: false))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal(HttpVersion.Version20, refused.Version);
        }
    }

    private static string NewEmail() => $"owner-{Guid.NewGuid():N}@example.com";

    private async Task<(string Id, int Port)> RunningServerAsync(ApiClient api, PortVisibility visibility)
    {
        var (id, port) = await PreviewWorkspace.StartAsync(api, _repositories, $"previews-h2-{Guid.NewGuid():N}", Timeout, $"    visibility: {visibility.ToString().ToLowerInvariant()}\n");
        return (id, port);
    }

    /// <summary>The web app on an HTTPS endpoint with a self-signed certificate and an h2c endpoint, both from Kestrel configuration.</summary>
    public sealed class Http2App : AppFixture
    {
        private readonly TempDirectory _certificates = TempDirectory.Create("ws-cert");

        public Uri Https => App.Addresses.Single(a => a.Scheme == Uri.UriSchemeHttps);

        public Uri H2c => App.Addresses.Single(a => a.Scheme == Uri.UriSchemeHttp);

        public override async Task DisposeAsync()
        {
            try
            {
                await base.DisposeAsync();
            }
            finally
            {
                _certificates.Dispose();
            }
        }

        protected override Task<IReadOnlyDictionary<string, string?>> CreateSettingsAsync()
        {
            var (certificate, key) = TestCertificate.WritePem(_certificates.Path);
            return Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>
            {
                ["Kestrel:Endpoints:Https:Url"] = "https://127.0.0.1:0",
                ["Kestrel:Endpoints:Https:Certificate:Path"] = certificate,
                ["Kestrel:Endpoints:Https:Certificate:KeyPath"] = key,
                ["Kestrel:Endpoints:H2c:Url"] = "http://127.0.0.1:0",
                ["Kestrel:Endpoints:H2c:Protocols"] = "Http2",
            });
        }
    }
}
