using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;

namespace Workspaces.WorkspaceAgent.Tests.TestSupport;

/// <summary>The test Git server works for the real git client too (other suites and benchmarks rely on it).</summary>
public sealed class SmartHttpGitServerTests : IAsyncLifetime
{
    private static readonly GitServerCredential Bob = new("bob", "bobs-token");
    private readonly TempDirectory _work = TempDirectory.Create("ws-gitcli");
    private SmartHttpGitServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await SmartHttpGitServer.StartAsync();
        await _server.CreateRepositoryAsync("team/open", new GitRepositoryBuilder().WithFile("a.txt", "a\n").CreateBranch("dev").WithFile("b.txt", "b\n"));
        await _server.CreateRepositoryAsync("team/closed", new GitRepositoryBuilder(), Bob);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _work.Dispose();
    }

    [Fact]
    public async Task GitCli_CloneAndPush_RoundTrips()
    {
        await GitCli.RunAsync(_work.Path, "clone", "--quiet", "--branch", "dev", _server.RepositoryUrl("team/open"), "open");
        var clone = _work.Combine("open");
        Assert.True(File.Exists(Path.Combine(clone, "b.txt")));

        await File.WriteAllTextAsync(Path.Combine(clone, "c.txt"), new string('c', 200_000));
        await GitCli.RunAsync(clone, "add", "c.txt");
        await GitCli.RunAsync(clone, "commit", "--quiet", "-m", "Add c");
        await GitCli.RunAsync(clone, "push", "--quiet", "origin", "dev");

        var refs = await GitCli.RunAsync(_work.Path, "ls-remote", _server.RepositoryUrl("team/open"), "refs/heads/dev");
        var head = (await GitCli.RunAsync(clone, "rev-parse", "HEAD")).Trim();
        Assert.StartsWith(head, refs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrivateRepository_RightCredentialOnly()
    {
        using var http = new HttpClient { BaseAddress = _server.BaseUrl };
        var infoRefs = "team/closed.git/info/refs?service=git-upload-pack";

        using var anonymous = await http.GetAsync(infoRefs);
        using var wrong = await SendAsync(http, infoRefs, "bob:nope");
        using var right = await SendAsync(http, infoRefs, "bob:bobs-token");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Basic realm=\"git\"", anonymous.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal("application/x-git-upload-pack-advertisement", right.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task UnknownRepository_NotFound()
    {
        using var http = new HttpClient { BaseAddress = _server.BaseUrl };

        using var response = await http.GetAsync("team/unknown.git/info/refs?service=git-upload-pack");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("GET /team/unknown.git/info/refs?service=git-upload-pack", _server.Requests);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string path, string userAndPassword)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(userAndPassword)));
        return await http.SendAsync(request);
    }
}
