using System.Net;
using System.Net.Http.Json;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Previews;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Previews;

/// <summary>An app with a short upstream timeout: one that never answers is cut, one that streams slowly is not.</summary>
public sealed class PreviewTimeoutTests(PreviewTimeoutTests.ShortTimeoutApp fixture) : IClassFixture<PreviewTimeoutTests.ShortTimeoutApp>, IDisposable
{
    private readonly GitRepositoryFixture _repositories = new();
    private readonly PreviewBrowser _browser = new(fixture.App);

    public void Dispose()
    {
        _browser.Dispose();
        _repositories.Dispose();
    }

    [Fact]
    public async Task Upstream_NeverAnswersOrStreamsSlowly_CutWithGatewayTimeoutButSlowStreamCompletes()
    {
        var (id, port) = await PreviewWorkspace.StartAsync(fixture.Admin, _repositories, $"timeouts-{Guid.NewGuid():N}", TimeSpan.FromSeconds(30), "    visibility: public\n");

        var started = TimeProvider.System.GetTimestamp();
        using (var hung = await _browser.GetAsync(_browser.Url(id, port, "/hang"), html: false))
        {
            Assert.Equal(HttpStatusCode.GatewayTimeout, hung.StatusCode);
        }

        Assert.InRange(TimeProvider.System.GetElapsedTime(started), TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(30));

        // 100 KiB over ~5 s, a KiB at a time: each arrives well within the timeout, so the whole body does.
        using var slow = await _browser.GetAsync(_browser.Url(id, port, "/slow"), html: false);
        Assert.Equal(HttpStatusCode.OK, slow.StatusCode);
        Assert.Equal(100 * 1024, (await slow.Content.ReadAsByteArrayAsync()).Length);
    }

    public sealed class ShortTimeoutApp : AppFixture
    {
        protected override Task<IReadOnlyDictionary<string, string?>> CreateSettingsAsync() =>
            Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>
            {
                ["Workspaces:Previews:UpstreamActivityTimeout"] = "00:00:02",
            });
    }
}
