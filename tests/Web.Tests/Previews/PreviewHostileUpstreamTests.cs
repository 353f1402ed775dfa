using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Workspaces.TestSupport.Git;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Previews;

/// <summary>A public preview whose dev server and visitors try to cross into the IDE: cookies both ways, an unasked 101.</summary>
public sealed class PreviewHostileUpstreamTests(AppFixture fixture) : IClassFixture<AppFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose() => _repositories.Dispose();

    [Fact]
    public async Task PublicPreview_HostileCookiesAndAnUnaskedSwitch_NoIdeCookieCrossesAndTheSwitchIsA502()
    {
        var (id, port) = await PublicServerAsync();
        var app = fixture.App.BaseAddress.Port;
        var host = $"{port}-{id}.localhost:{app}";
        var antiforgery = fixture.App.Services.GetRequiredService<IOptions<AntiforgeryOptions>>().Value.Cookie.Name;

        // Every IDE cookie a client sends, chunks and prefixes included, stays out of the app's request.
        var sent = $"__Host-workspaces-session=s; __Host-workspaces-sessionC1=c1; __host-workspaces-sessionC2=c2; {antiforgery}=af; "
            + "__Secure-workspaces-session=x; workspaces-preview-owner=o; app=mine";
        var echo = await RawHttp.SendAsync(app, $"GET /headers HTTP/1.1\r\nHost: {host}\r\nCookie: {sent}\r\nConnection: close\r\n\r\n");
        Assert.True(echo.Status == 200, echo.ToString());
        Assert.Contains("\"cookie\": \"app=mine\"", echo.Body, StringComparison.Ordinal);

        // The app's Set-Cookie: Domain dropped in every spelling, the IDE's names dropped.
        string[] planted =
        [
            "a=1; Domain = localhost; Path=/",
            "b=1; DOMAIN=.localhost",
            "c=1;domain=localhost",
            $"{antiforgery}=planted; Path=/; Domain=localhost",
            "__Host-workspaces-session=planted; Path=/; Secure",
            "__Secure-workspaces-sessionC1=planted",
            "=__Host-workspaces-session=planted",
        ];
        var query = string.Join('&', planted.Select(c => "c=" + Uri.EscapeDataString(c)));
        var cookies = await RawHttp.SendAsync(app, $"GET /set-cookie-raw?{query} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        Assert.True(cookies.Status == 200, cookies.ToString());
        var set = cookies.All("Set-Cookie").ToList();
        Assert.Equal(["a=1", "b=1", "c=1"], set.Select(c => c.Split(';')[0]));
        Assert.DoesNotContain(set, c => c.Contains("domain", StringComparison.OrdinalIgnoreCase));

        // 101 to a plain GET: a 502 that says so, and the connection is not handed to the app.
        var switched = await RawHttp.SendAsync(app, $"GET /switch HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        Assert.True(switched.Status == 502, switched.ToString());
        Assert.Contains("switched protocols", switched.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("not http", switched.Body, StringComparison.Ordinal);
    }

    private async Task<(string Id, int Port)> PublicServerAsync()
    {
        var (id, port) = await PreviewWorkspace.StartAsync(fixture.Admin, _repositories, $"hostile-{Guid.NewGuid():N}", Timeout, portAttributes: null);
        using var visibility = await fixture.Admin.Http.PutAsJsonAsync($"/api/workspaces/{id}/ports/{port}/visibility", new { visibility = "Public" });
        Assert.Equal(HttpStatusCode.OK, visibility.StatusCode);
        return (id, port);
    }
}
