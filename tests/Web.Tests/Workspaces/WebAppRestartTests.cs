using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Processes;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Workspaces;

/// <summary>Agents outlive the web app: an upgrade or crash of the web app must not stop anyone's workspace.</summary>
public sealed class WebAppRestartTests : IDisposable
{
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose() => _repositories.Dispose();

    [Fact]
    public async Task WebApp_RestartedWhileWorkspaceRuns_AdoptsTheSameAgent()
    {
        var repository = await _repositories.CreateAsync("survivor", new GitRepositoryBuilder().WithGitpodYml(TestRepositories.LongRunningTask));
        await using var app = await TestApp.StartAsync();
        string token;
        string id;
        DateTimeOffset? startedAt;
        using (var before = await app.CreateAdministratorAsync())
        {
            token = before.Token!;
            id = (await before.CreateWorkspaceAsync(repository.FileUrl)).Id;
            startedAt = (await before.WaitUntilReadyAsync(id)).Workspace.LastStartedAt;
        }

        var agentPid = LeftoverAgents.Read(app.WorkspaceDirectory(id))!.ProcessId;
        var commandPid = await app.ReadPidFileAsync(id, "survivor/command.pid");

        await app.StopAsync();

        Assert.True(ProcessProbe.IsAlive(agentPid), "the agent keeps running while the web app is down");
        Assert.True(ProcessProbe.IsAlive(commandPid), "the user's task keeps running while the web app is down");

        await app.StartAgainAsync();
        using var after = new ApiClient(app.CreateHttpClient(), token, app.Describe);

        // The new web app reads the agent's live status (the tasks come from the agent, not the database).
        var adopted = await after.WaitUntilAsync(id, d => d.Tasks.Count == 1, "the restarted web app to read the agent's status");
        Assert.Equal(WorkspacePhase.Ready, adopted.Workspace.Phase);
        Assert.Equal(TaskRunState.Running, adopted.Tasks[0].State);
        Assert.Equal(startedAt, adopted.Workspace.LastStartedAt);
        Assert.DoesNotContain(adopted.Events, e => e.Kind == "agent-restarted");
        Assert.Equal(agentPid, LeftoverAgents.Read(app.WorkspaceDirectory(id))!.ProcessId);
        Assert.True(ProcessProbe.IsAlive(agentPid));
        Assert.True(ProcessProbe.IsAlive(commandPid));
        var listed = Assert.Single(await after.ListWorkspacesAsync());
        Assert.Equal((id, "Running"), (listed.Id, listed.Status));
    }
}
