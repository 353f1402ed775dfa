using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Processes;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Workspaces;

public sealed class AgentCrashTests(AppFixture fixture) : IClassFixture<AppFixture>, IDisposable
{
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose() => _repositories.Dispose();

    [Fact]
    public async Task Agent_KilledWhileReady_IsRestartedAndTheUserIsTold()
    {
        var repository = await _repositories.CreateAsync("crashy", new GitRepositoryBuilder().WithFile("README.md", "hi\n"));
        using var user = await fixture.App.CreateUserAsync();
        var id = (await user.CreateWorkspaceAsync(repository.FileUrl)).Id;
        var ready = await user.WaitUntilReadyAsync(id);
        var directory = fixture.App.WorkspaceDirectory(id);
        var pid = LeftoverAgents.Read(directory)!.ProcessId;
        await File.WriteAllTextAsync(Path.Combine(directory, "crashy", "work.txt"), "unsaved elsewhere\n");

        Assert.True(ProcessSignals.Send(pid, ProcessSignals.SigKill));

        var recovered = await user.WaitUntilAsync(
            id,
            d => d.Workspace.Phase == WorkspacePhase.Ready && d.Workspace.LastStartedAt > ready.Workspace.LastStartedAt,
            "the workspace to be Ready on a new agent");
        var restarted = Assert.Single(recovered.Events, e => e.Kind == "agent-restarted");
        Assert.Contains("restarted", restarted.Message, StringComparison.Ordinal);
        var newPid = LeftoverAgents.Read(directory)!.ProcessId;
        Assert.NotEqual(pid, newPid);
        Assert.True(ProcessProbe.IsAlive(newPid));
        Assert.Equal("unsaved elsewhere\n", await File.ReadAllTextAsync(Path.Combine(directory, "crashy", "work.txt")));
    }
}
