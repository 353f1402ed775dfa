using System.Net;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Git;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Workspaces;

/// <summary>Another user's workspace does not exist as far as the API is concerned, and nothing they send reaches it.</summary>
public sealed class AuthorizationTests(AppFixture fixture) : IClassFixture<AppFixture>, IDisposable
{
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose() => _repositories.Dispose();

    [Fact]
    public async Task OtherUsersWorkspace_EveryAction_AnswersNotFoundAndLeavesItRunning()
    {
        var repository = await _repositories.CreateAsync("private-work", new GitRepositoryBuilder().WithGitpodYml(TestRepositories.LongRunningTask));
        using var alice = await fixture.App.CreateUserAsync();
        using var bob = await fixture.App.CreateUserAsync();
        var id = (await alice.CreateWorkspaceAsync(repository.FileUrl)).Id;
        var before = await alice.WaitUntilReadyAsync(id);
        var pid = LeftoverAgents.Read(fixture.App.WorkspaceDirectory(id))!.ProcessId;

        Assert.Null(await bob.GetWorkspaceAsync(id));
        foreach (var action in new[] { "start", "stop", "restart" })
        {
            using var response = await bob.PostActionAsync(id, action);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{action}: {(int)response.StatusCode}");
        }

        using (var delete = await bob.DeleteWorkspaceAsync(id))
        {
            Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        }

        using (var log = await bob.GetTaskLogAsync(id, 0))
        {
            Assert.Equal(HttpStatusCode.NotFound, log.StatusCode);
            Assert.DoesNotContain("serving", await log.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Empty(await bob.ListWorkspacesAsync());

        var after = await alice.GetWorkspaceAsync(id);
        Assert.NotNull(after);
        Assert.Equal((WorkspacePhase.Ready, before.Workspace.LastStartedAt), (after.Workspace.Phase, after.Workspace.LastStartedAt));
        Assert.Equal(pid, LeftoverAgents.Read(fixture.App.WorkspaceDirectory(id))!.ProcessId);
        using var ownLog = await alice.GetTaskLogAsync(id, 0);
        Assert.Equal(HttpStatusCode.OK, ownLog.StatusCode);
        Assert.Contains(id, (await alice.ListWorkspacesAsync()).Select(w => w.Id));
    }
}
