using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.Shared.Files;
using Workspaces.Shared.SourceControl;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Tests.Credentials;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Editor;

/// <summary>The editor's files and source control go through the web app, for the owner only; pushes use the owner's stored token.</summary>
public sealed class EditorForwardingTests(GitServerAppFixture fixture) : IClassFixture<GitServerAppFixture>
{
    [Fact]
    public async Task Owner_ThroughTheWebApp_ReadsAndSavesAFile()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice, storeCredential: true);
        await using var files = Connect(id, alice.Token, FilesHubContract.Path);
        await files.StartAsync();

        var content = await files.InvokeAsync<FileContent>("ReadFile", "README.md");
        var saved = await files.InvokeAsync<SaveResult>("SaveFile", new SaveFileRequest("README.md", "edited in the browser\n", content.Version, content.Encoding, content.Bom));
        using var download = await alice.Http.GetAsync(new Uri(fixture.App.BaseAddress, $"workspaces/{id}/agent/api/files/download?path=README.md"));

        Assert.Equal("private\n", content.Text);
        Assert.True(saved.Saved, saved.Message);
        Assert.Equal("edited in the browser\n", await download.Content.ReadAsStringAsync());
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
    }

    [Fact]
    public async Task OtherUserOrAnonymous_FilesAndSourceControl_AreRefused()
    {
        using var alice = await fixture.App.CreateUserAsync();
        using var bob = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice, storeCredential: true);

        foreach (var path in new[] { "hubs/files", "hubs/source-control", "api/files/download?path=README.md" })
        {
            using var asBob = await bob.Http.GetAsync(new Uri(fixture.App.BaseAddress, $"workspaces/{id}/agent/{path}"));
            using var anonymous = await fixture.App.CreateHttpClient().GetAsync(new Uri(fixture.App.BaseAddress, $"workspaces/{id}/agent/{path}"));
            Assert.Equal(HttpStatusCode.NotFound, asBob.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        await using var files = Connect(id, bob.Token, FilesHubContract.Path);
        await Assert.ThrowsAnyAsync<Exception>(() => files.StartAsync());
        using var summary = await alice.Http.GetAsync(new Uri(fixture.App.BaseAddress, $"workspaces/{id}/agent/api/git/summary"));
        Assert.Equal(HttpStatusCode.NotFound, summary.StatusCode);
    }

    [Fact]
    public async Task Owner_Push_UsesTheStoredTokenAndIgnoresOneTheClientSends()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice, storeCredential: true);
        await using var git = Connect(id, alice.Token, SourceControlHubContract.Path);
        await git.StartAsync();
        await using var files = Connect(id, alice.Token, FilesHubContract.Path);
        await files.StartAsync();
        await files.InvokeAsync<FileEntry>("CreateFile", $"pushed-{id}.txt");

        Assert.True((await git.InvokeAsync<GitResult>("Stage", new[] { $"pushed-{id}.txt" })).Ok);
        var commit = await git.InvokeAsync<GitResult>("Commit", "From the browser");
        var push = await git.InvokeAsync<GitResult>("Push");

        Assert.True(commit.Ok, commit.Message);
        Assert.True(push.Ok, push.Message);
        var bare = Path.Combine(fixture.Server.RootDirectory, "team", "private.git");
        Assert.Contains($"pushed-{id}.txt", await GitCli.RunAsync(bare, "ls-tree", "--name-only", "main"), StringComparison.Ordinal);

        // A user without a stored token gets nowhere by sending the header the web app would add.
        await using var noToken = Connect(id, alice.Token, SourceControlHubContract.Path, new Dictionary<string, string>
        {
            [SourceControlHubContract.CredentialHeader] = $"{fixture.Host} {Convert.ToBase64String(Encoding.UTF8.GetBytes("oauth2:wrong"))}",
        });
        await noToken.StartAsync();
        await files.InvokeAsync<FileEntry>("CreateFile", $"second-{id}.txt");
        await git.InvokeAsync<GitResult>("Stage", new[] { $"second-{id}.txt" });
        await git.InvokeAsync<GitResult>("Commit", "Second");
        Assert.True((await noToken.InvokeAsync<GitResult>("Push")).Ok, "the stored token, not the client's header, was used");
    }

    [Fact]
    public async Task Dashboard_Data_ShowsUncommittedAndUnpushedWork()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice, storeCredential: true);
        await using var git = Connect(id, alice.Token, SourceControlHubContract.Path);
        await git.StartAsync();
        await using var files = Connect(id, alice.Token, FilesHubContract.Path);
        await files.StartAsync();
        await files.InvokeAsync<FileEntry>("CreateFile", "one.txt");
        await git.InvokeAsync<GitResult>("Stage", new[] { "one.txt" });
        await git.InvokeAsync<GitResult>("Commit", "One");
        await files.InvokeAsync<FileEntry>("CreateFile", "two.txt");
        await git.InvokeAsync<GitResult>("Stage", new[] { "two.txt" });

        var listed = await alice.WaitUntilListAsync(
            list => list.Any(w => w.Id == id && w.Git is { UncommittedChanges: 1, UnpushedCommits: 1 }),
            "the workspace listed with 1 uncommitted change and 1 unpushed commit",
            TimeSpan.FromSeconds(30));

        Assert.Equal("1 uncommitted change · 1 unpushed commit", listed.Single(w => w.Id == id).Git!.Describe());
    }

    private async Task<string> ReadyWorkspaceAsync(ApiClient owner, bool storeCredential)
    {
        if (storeCredential)
        {
            using var saved = await owner.Http.PutAsJsonAsync($"/api/git-credentials/{fixture.Host}", new { username = GitServerAppFixture.Credential.Username, token = GitServerAppFixture.Credential.Password });
            saved.EnsureSuccessStatusCode();
        }

        var id = (await owner.CreateWorkspaceAsync(fixture.Server.RepositoryUrl("team/private"))).Id;
        await owner.WaitUntilReadyAsync(id);
        return id;
    }

    private HubConnection Connect(string workspaceId, string? token, string hubPath, IReadOnlyDictionary<string, string>? headers = null) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(fixture.App.BaseAddress, $"workspaces/{workspaceId}/agent{hubPath}"), options =>
            {
                options.SkipNegotiation = true;
                options.Transports = HttpTransportType.WebSockets;
                if (token is not null)
                {
                    options.Headers["Authorization"] = "Bearer " + token;
                }

                foreach (var (key, value) in headers ?? new Dictionary<string, string>())
                {
                    options.Headers[key] = value;
                }
            })
            .AddMessagePackProtocol()
            .Build();
}
