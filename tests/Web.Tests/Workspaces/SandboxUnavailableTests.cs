using System.Net;
using System.Net.Http.Json;
using Workspaces.TestSupport.Git;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Workspaces;

/// <summary>
/// A machine where the sandbox cannot be set up (here: bubblewrap is missing): workspaces still run for one account, and a
/// second account is refused, told why and what an administrator can do (the admin page's warning is a browser journey).
/// </summary>
public sealed class SandboxUnavailableTests(SandboxUnavailableTests.MissingToolsApp fixture) : IClassFixture<SandboxUnavailableTests.MissingToolsApp>, IDisposable
{
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose() => _repositories.Dispose();

    [Fact]
    public async Task Sandbox_ToolMissing_OneAccountOnlyAndTheRefusalSaysWhy()
    {
        var repository = await _repositories.CreateAsync("unisolated", new GitRepositoryBuilder().WithFile("README.md", "hi\n"));
        var admin = fixture.Admin;
        var id = (await admin.CreateWorkspaceAsync(repository.FileUrl)).Id;
        await admin.WaitUntilReadyAsync(id);

        using var bob = await fixture.App.CreateUserAsync();
        using var refused = await bob.Http.PostAsJsonAsync("/api/workspaces", new { repositoryUrl = repository.FileUrl });
        var problem = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("only one account may have workspaces", problem, StringComparison.Ordinal);
        Assert.Contains("Workspaces:Isolation=None", problem, StringComparison.Ordinal);

        // The first account keeps creating workspaces.
        var second = (await admin.CreateWorkspaceAsync(repository.FileUrl)).Id;
        Assert.NotEqual(id, second);
    }

    public sealed class MissingToolsApp : AppFixture
    {
        protected override Task<IReadOnlyDictionary<string, string?>> CreateSettingsAsync() =>
            Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>
            {
                ["Workspaces:Sandbox:BubblewrapPath"] = "/nonexistent/bwrap",
            });
    }
}
