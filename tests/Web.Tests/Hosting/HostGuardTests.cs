using System.Text;
using Workspaces.TestSupport.Git;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Hosting;

/// <summary>Host header forms sent byte for byte to the running app: malformed ones get a 400 (never a 500), unknown ones too.</summary>
public sealed class HostGuardTests(AppFixture fixture) : IClassFixture<AppFixture>, IDisposable
{
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose() => _repositories.Dispose();

    private int Port => fixture.App.BaseAddress.Port;

    /// <summary>{port} is the app's port.</summary>
    public static TheoryData<string> RefusedHosts => new()
    {
        "",
        " ",
        "a..localhost:{port}",
        ".localhost:{port}",
        "localhost.:{port}",
        "3000-abcdefgh.localhost.:{port}",
        "xn--a.localhost:{port}",
        "xn--zz.localhost:{port}",
        "xn--9999999999.localhost:{port}",
        "a_b.localhost:{port}",
        "localhost:0",
        "localhost:65536",
        "localhost:{port}:{port}",
        "localhost:",
        "[::1%eth0]:{port}",
        "[fe80::1]:{port}",
        "[::1",
        "127.1:{port}",
        "0x7f.0.0.1:{port}",
        "evil.example:{port}",
        "localhost.evil.example:{port}",
        "10.1.2.3:{port}",
        "xn--80ak6aa92e.example:{port}",
        "{long}.localhost:{port}",
        "{label64}.localhost:{port}",
    };

    public static TheoryData<string> AcceptedHosts => new()
    {
        "localhost:{port}",
        "LOCALHOST:{port}",
        "LocalHost",
        "127.0.0.1:{port}",
        "[::1]:{port}",
        "[0:0:0:0:0:0:0:1]:{port}",
    };

    [Theory]
    [MemberData(nameof(RefusedHosts))]
    public async Task Request_MalformedOrUnknownHost_Is400(string host)
    {
        var answer = await RawHttp.SendAsync(Port, $"GET /account/login HTTP/1.1\r\nHost: {Expand(host)}\r\nConnection: close\r\n\r\n");
        Assert.True(answer.Status == 400, $"{host}: {answer}");
        Assert.Null(answer.Header("Location"));
    }

    [Fact]
    public async Task Request_UnknownHost_SaysWhichSettingAdmitsIt()
    {
        var answer = await RawHttp.SendAsync(Port, $"GET / HTTP/1.1\r\nHost: rebound.example:{Port}\r\nConnection: close\r\n\r\n");
        Assert.Equal(400, answer.Status);
        Assert.Contains("does not answer to the host 'rebound.example'", answer.Body, StringComparison.Ordinal);
        Assert.Contains("Workspaces:AllowedHosts", answer.Body, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AcceptedHosts))]
    public async Task Request_TheIdesOwnHostInAnyCaseOrForm_ReachesTheIde(string host)
    {
        var answer = await RawHttp.SendAsync(Port, $"GET /account/login HTTP/1.1\r\nHost: {Expand(host)}\r\nConnection: close\r\n\r\n");
        Assert.True(answer.Status == 200, $"{host}: {answer}");
    }

    [Theory]
    [InlineData("GET / HTTP/1.0\r\n\r\n")]
    [InlineData("GET /account/login HTTP/1.0\r\nConnection: close\r\n\r\n")]
    [InlineData("POST /account/logout HTTP/1.0\r\nContent-Length: 0\r\n\r\n")]
    public async Task Http10_WithoutHost_Is400NotARedirectToAnEmptyHost(string request)
    {
        var answer = await RawHttp.SendAsync(Port, request);
        Assert.True(answer.Status == 400, answer.ToString());
        Assert.Null(answer.Header("Location"));
    }

    [Fact]
    public async Task Request_RawUtf8InHostOrAnOverlongHost_IsRefusedNeverA500()
    {
        var idn = await RawHttp.SendAsync(Port, Encoding.UTF8.GetBytes($"GET / HTTP/1.1\r\nHost: bücher.localhost:{Port}\r\nConnection: close\r\n\r\n"));
        Assert.True(idn.Status == 400, idn.ToString());

        var huge = await RawHttp.SendAsync(Port, $"GET / HTTP/1.1\r\nHost: {new string('a', 40_000)}.localhost\r\nConnection: close\r\n\r\n");
        Assert.True(huge.Status is 400 or 431, huge.ToString());

        var twice = await RawHttp.SendAsync(Port, $"GET / HTTP/1.1\r\nHost: localhost:{Port}\r\nHost: evil.example\r\nConnection: close\r\n\r\n");
        Assert.True(twice.Status == 400, twice.ToString());
    }

    [Fact]
    public async Task HealthProbe_ByAnyWellFormedAddress_Answers()
    {
        // A kubelet probes by the pod's address, which is no host the IDE is configured with.
        var health = await RawHttp.SendAsync(Port, $"GET /alive HTTP/1.1\r\nHost: 10.1.2.3:{Port}\r\nConnection: close\r\n\r\n");
        Assert.True(health.Status == 200, health.ToString());
        var page = await RawHttp.SendAsync(Port, $"GET /alive/../account/login HTTP/1.1\r\nHost: 10.1.2.3:{Port}\r\nConnection: close\r\n\r\n");
        Assert.True(page.Status == 400, page.ToString());
    }

    [Fact]
    public async Task PrivatePreview_ExistingAndNonexistentWorkspace_AnswerAlikeToAStranger()
    {
        var repository = await _repositories.CreateAsync($"oracle-{Guid.NewGuid():N}", new GitRepositoryBuilder().WithFile("README.md", "hi\n"));
        var workspace = await fixture.Admin.CreateWorkspaceAsync(repository.FileUrl);
        foreach (var accept in new[] { "text/html", "*/*" })
        {
            var existing = await PreviewAsync(workspace.Id, accept, "/");
            var missing = await PreviewAsync("zzzzzzzz", accept, "/");
            Assert.Equal(existing.Status, missing.Status);
            Assert.Equal(existing.Header("Location")?.Replace(workspace.Id, "{id}", StringComparison.Ordinal), missing.Header("Location")?.Replace("zzzzzzzz", "{id}", StringComparison.Ordinal));
            Assert.Equal(existing.Body.Replace(workspace.Id, "{id}", StringComparison.Ordinal), missing.Body.Replace("zzzzzzzz", "{id}", StringComparison.Ordinal));
        }

        // The preview origin's own paths too: a ticket or a share link for either is just invalid.
        foreach (var path in new[] { "/__workspaces/auth?ticket=x", "/__workspaces/share/wsl_x", "/__workspaces/other" })
        {
            var existing = await PreviewAsync(workspace.Id, "text/html", path);
            var missing = await PreviewAsync("zzzzzzzz", "text/html", path);
            Assert.True(existing.Status == missing.Status, $"{path}: {existing.Status} vs {missing.Status}");
        }
    }

    private async Task<RawHttp.Answer> PreviewAsync(string workspaceId, string accept, string path) =>
        await RawHttp.SendAsync(Port, $"GET {path} HTTP/1.1\r\nHost: 3000-{workspaceId}.localhost:{Port}\r\nAccept: {accept}\r\nConnection: close\r\n\r\n");

    private string Expand(string host) => host
        .Replace("{port}", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{long}", string.Join('.', Enumerable.Repeat(new string('a', 60), 5)), StringComparison.Ordinal)
        .Replace("{label64}", new string('a', 64), StringComparison.Ordinal);
}
