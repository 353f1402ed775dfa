using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Hosting;

/// <summary>
/// Cross-origin requests with the session cookie, against every endpoint that changes state: the list comes from the
/// app's own endpoint data source, so an endpoint added later is tried without touching this test.
/// </summary>
public sealed partial class SameOriginGuardTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private static readonly string[] SafeMethods = [HttpMethods.Get, HttpMethods.Head, HttpMethods.Options, HttpMethods.Trace];

    private int Port => fixture.App.BaseAddress.Port;

    [Fact]
    public async Task StateChangingEndpoints_CrossOriginWithTheSessionCookie_AreAllRefusedAndTheSessionStands()
    {
        var email = $"csrf-{Guid.NewGuid():N}@example.com";
        (await fixture.App.CreateUserAsync(email)).Dispose();
        var session = await BrowserSession.SignInAsync(fixture.App, email, TestApp.Password);
        var targets = StateChangingTargets().ToList();
        Assert.Contains(targets, t => t.Path == "/account/logout");
        Assert.Contains(targets, t => t.Path == "/api/tokens/");
        Assert.Contains(targets, t => t.Path == "/_blazor/negotiate");
        Assert.Contains(targets, t => t.Path == "/account/login");

        var origins = new[]
        {
            ("Origin", $"http://3000-abcdefgh.localhost:{Port}"),
            ("Origin", "https://evil.example"),
            ("Origin", "null"),
            ("Origin", $"http://localhost:{Port + 1}"),
            ("Sec-Fetch-Site", "same-site"),
            ("Sec-Fetch-Site", "cross-site"),
        };
        var failures = new List<string>();
        using var client = fixture.App.CreateHttpClient();
        foreach (var (method, path) in targets)
        {
            foreach (var (header, value) in origins)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new FormUrlEncodedContent([]) };
                request.Headers.TryAddWithoutValidation(header, value);
                using var response = await session.SendAsync(client, request);
                if (response.StatusCode != HttpStatusCode.Forbidden)
                {
                    failures.Add($"{method} {path} with {header}: {value} answered {(int)response.StatusCode}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        using var me = await session.SendAsync(client, new HttpRequestMessage(HttpMethod.Get, "/api/me"));
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);

        // From the IDE's own origin, sign-out works.
        using var logout = new HttpRequestMessage(HttpMethod.Post, "/account/logout");
        logout.Headers.Add("Origin", fixture.App.BaseAddress.GetLeftPart(UriPartial.Authority));
        using var signedOut = await session.SendAsync(client, logout);
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
    }

    [Fact]
    public async Task BlazorHub_WebSocketFromAPreviewOrigin_IsRefusedLikeTheAgentHubs()
    {
        var email = $"hub-{Guid.NewGuid():N}@example.com";
        (await fixture.App.CreateUserAsync(email)).Dispose();
        var session = await BrowserSession.SignInAsync(fixture.App, email, TestApp.Password);
        foreach (var path in new[] { "/_blazor?id=abc", "/workspaces/abc/agent/hubs/terminals" })
        {
            var preview = await UpgradeAsync(path, $"http://3000-abcdefgh.localhost:{Port}", session);
            Assert.True(preview.Status == 403, $"{path}: {preview}");
            var other = await UpgradeAsync(path, "https://evil.example", session);
            Assert.True(other.Status == 403, $"{path}: {other}");
        }

        // From the IDE's own origin the hub's negotiation goes through.
        using var client = fixture.App.CreateHttpClient();
        using var negotiate = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
        negotiate.Headers.Add("Origin", fixture.App.BaseAddress.GetLeftPart(UriPartial.Authority));
        using var negotiated = await session.SendAsync(client, negotiate);
        Assert.Equal(HttpStatusCode.OK, negotiated.StatusCode);
    }

    private async Task<RawHttp.Answer> UpgradeAsync(string path, string origin, BrowserSession session) =>
        await RawHttp.SendAsync(
            Port,
            $"GET {path} HTTP/1.1\r\nHost: localhost:{Port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            + $"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: {origin}\r\nCookie: {session.CookieHeader}\r\n\r\n");

    /// <summary>Every route the app maps with a method other than GET/HEAD/OPTIONS/TRACE (or with any method), as a concrete path.</summary>
    private IEnumerable<(string Method, string Path)> StateChangingTargets()
    {
        var endpoints = fixture.App.Services.GetRequiredService<EndpointDataSource>().Endpoints;
        foreach (var endpoint in endpoints.OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [HttpMethods.Post];
            var path = "/" + Parameter().Replace(endpoint.RoutePattern.RawText?.TrimStart('/') ?? "", m => m.Value.Contains(":int", StringComparison.Ordinal) ? "1" : "x");
            foreach (var method in methods.Where(m => !SafeMethods.Contains(m, StringComparer.OrdinalIgnoreCase)).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                yield return (method.ToUpper(CultureInfo.InvariantCulture), path);
            }
        }
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex Parameter();
}
