using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.Data;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Processes;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Workspaces;

public sealed class IdleStopTests(IdleStopTests.FastResyncFixture fixture) : IClassFixture<IdleStopTests.FastResyncFixture>, IDisposable
{
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose() => _repositories.Dispose();

    [Fact]
    public async Task Workspace_InactiveLongerThanIdleTimeout_IsStoppedWithItsFilesKept()
    {
        var repository = await _repositories.CreateAsync("sleepy", new GitRepositoryBuilder().WithFile("README.md", "hi\n"));
        using var user = await fixture.App.CreateUserAsync();
        var id = (await user.CreateWorkspaceAsync(repository.FileUrl)).Id;
        await user.WaitUntilReadyAsync(id);
        var directory = fixture.App.WorkspaceDirectory(id);
        var pid = LeftoverAgents.Read(directory)!.ProcessId;
        await File.WriteAllTextAsync(Path.Combine(directory, "sleepy", "draft.txt"), "half done\n");

        // Nobody touched it for two hours (the default idle timeout is 30 minutes).
        var factory = fixture.App.Services.GetRequiredService<IDbContextFactory<WorkspacesDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            var longAgo = DateTimeOffset.UtcNow.AddHours(-2);
            Assert.Equal(1, await db.Workspaces.Where(w => w.Id == id).ExecuteUpdateAsync(s => s.SetProperty(w => w.LastActiveAt, longAgo)));
        }

        var stopped = await user.WaitUntilAsync(id, d => d.Workspace.Phase == WorkspacePhase.Stopped, "the idle workspace to be stopped");

        Assert.Equal((DesiredState.Stopped, "Stopped"), (stopped.Workspace.DesiredState, stopped.Workspace.Status));
        Assert.Contains("without activity", stopped.Workspace.StatusReason, StringComparison.Ordinal);
        Assert.Contains(stopped.Events, e => e.Kind == "idle-stop" && e.Message.Contains("30 minutes", StringComparison.Ordinal));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(pid, TimeSpan.FromSeconds(10)), "the idle workspace's agent exits");
        Assert.Equal("half done\n", await File.ReadAllTextAsync(Path.Combine(directory, "sleepy", "draft.txt")));
    }

    /// <summary>Resyncs every 200 ms, so the idle check (part of the resync) runs at once.</summary>
    public sealed class FastResyncFixture : AppFixture
    {
        protected override Task<IReadOnlyDictionary<string, string?>> CreateSettingsAsync() =>
            Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?> { ["Workspaces:ReconcileInterval"] = "00:00:00.2" });
    }
}
