using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Network;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Credentials;

/// <summary>Cloning over smart HTTP: stored tokens per host, and the errors a user sees when a clone cannot work.</summary>
public sealed class CloneOverHttpTests(GitServerAppFixture fixture) : IClassFixture<GitServerAppFixture>
{
    private readonly string _token = GitServerAppFixture.Credential.Password;

    [Fact]
    public async Task PrivateRepository_TokenStoredAfterAuthenticationRequired_RetryGetsReady()
    {
        using var user = await fixture.App.CreateUserAsync();

        var created = await user.CreateWorkspaceAsync(fixture.Server.RepositoryUrl("team/private"));
        var failed = await user.WaitUntilSettledAsync(created.Id);

        Assert.Equal(("Failed", AgentErrorCode.AuthenticationRequired), (failed.Workspace.Status, failed.Workspace.Error?.Code));
        Assert.False(string.IsNullOrWhiteSpace(failed.Workspace.Error!.Advice), "the error says what to do");

        using var saved = await user.Http.PutAsJsonAsync($"/api/git-credentials/{fixture.Host}", new { token = _token });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        using (var start = await user.PostActionAsync(created.Id, "start"))
        {
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        }

        var ready = await user.WaitUntilReadyAsync(created.Id, startedAfter: failed.Workspace.LastStartedAt);
        Assert.Null(ready.Workspace.Error);
        Assert.Equal("private\n", await File.ReadAllTextAsync(Path.Combine(fixture.App.WorkspaceDirectory(created.Id), "private", "README.md")));

        // The token went to the agent, never back out.
        var credentials = await GetRawAsync(user, "/api/git-credentials");
        using (var listed = JsonDocument.Parse(credentials))
        {
            var entry = Assert.Single(listed.RootElement.EnumerateArray());
            Assert.Equal(fixture.Host, entry.GetProperty("host").GetString());
            Assert.Equal("oauth2", entry.GetProperty("username").GetString());
        }

        Assert.DoesNotContain(_token, await saved.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(_token, credentials, StringComparison.Ordinal);
        Assert.DoesNotContain(_token, await GetRawAsync(user, $"/api/workspaces/{created.Id}"), StringComparison.Ordinal);
        Assert.DoesNotContain(_token, await GetRawAsync(user, "/api/workspaces"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrivateRepository_WrongTokenStored_FailsWithAuthenticationFailed()
    {
        using var user = await fixture.App.CreateUserAsync();
        using (var saved = await user.Http.PutAsJsonAsync($"/api/git-credentials/{fixture.Host}", new { token = "wrong-token-42" }))
        {
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        }

        var created = await user.CreateWorkspaceAsync(fixture.Server.RepositoryUrl("team/private"));
        var failed = await user.WaitUntilSettledAsync(created.Id);

        Assert.Equal(("Failed", AgentErrorCode.AuthenticationFailed), (failed.Workspace.Status, failed.Workspace.Error?.Code));
        Assert.False(string.IsNullOrWhiteSpace(failed.Workspace.Error!.Advice), "the error says what to do");
        Assert.DoesNotContain("wrong-token-42", await GetRawAsync(user, $"/api/workspaces/{created.Id}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingRepository_Cloned_FailsWithRepositoryNotFound()
    {
        using var user = await fixture.App.CreateUserAsync();

        var created = await user.CreateWorkspaceAsync(fixture.Server.RepositoryUrl("team/does-not-exist"));
        var failed = await user.WaitUntilSettledAsync(created.Id);

        Assert.Equal(AgentErrorCode.RepositoryNotFound, failed.Workspace.Error?.Code);
        Assert.False(string.IsNullOrWhiteSpace(failed.Workspace.Error!.Advice), "the error says what to do");
    }

    [Fact]
    public async Task MissingBranch_Cloned_FailsWithBranchNotFoundNamingTheBranch()
    {
        using var user = await fixture.App.CreateUserAsync();

        var created = await user.CreateWorkspaceAsync(fixture.Server.RepositoryUrl("team/public"), "feature/no-such-branch");
        var failed = await user.WaitUntilSettledAsync(created.Id);

        Assert.Equal(AgentErrorCode.BranchNotFound, failed.Workspace.Error?.Code);
        Assert.Contains("feature/no-such-branch", failed.Workspace.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClosedPort_Cloned_FailsWithHostUnreachable()
    {
        using var user = await fixture.App.CreateUserAsync();

        var created = await user.CreateWorkspaceAsync(new Uri(ClosedPort.HttpUrl(), "team/repo.git").AbsoluteUri);
        var failed = await user.WaitUntilSettledAsync(created.Id);

        Assert.Equal(AgentErrorCode.HostUnreachable, failed.Workspace.Error?.Code);
        Assert.False(string.IsNullOrWhiteSpace(failed.Workspace.Error!.Advice), "the error says what to do");
    }

    [Fact]
    public async Task SaveCredential_InvalidHostOrNoToken_AnswersBadRequestAndStoresNothing()
    {
        using var user = await fixture.App.CreateUserAsync();

        using var response = await user.Http.PutAsJsonAsync("/api/git-credentials/bad%20host!", new { token = " " });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var fields = problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["host", "token"], fields);
        Assert.Equal("[]", await GetRawAsync(user, "/api/git-credentials"));
    }

    private static async Task<string> GetRawAsync(ApiClient user, string path)
    {
        using var response = await user.Http.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
