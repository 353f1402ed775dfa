using System.Globalization;
using System.Net;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Processes;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Tests.Infrastructure;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Tests.Workspaces;

/// <summary>
/// One workspace through its whole life via the REST API, with a real agent cloning a real repository and running its
/// .gitpod.yml: create, ready, edit files, stop, start (files kept, init not run again), delete. Runs on SQLite and on
/// PostgreSQL (<see cref="PostgresLifecycleTests"/>).
/// </summary>
public abstract class LifecycleTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>, IDisposable
    where TFixture : AppFixture
{
    private const string GitpodYml = """
        tasks:
          - name: app
            init: |
              echo init-output
              echo ran >> init-runs.txt
            command: |
              echo command-output
              echo $$ > command.pid
              exec sleep 300
        """;

    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose()
    {
        _repositories.Dispose();
        GC.SuppressFinalize(this);
    }

    protected TFixture Fixture => fixture;

    protected GitRepositoryFixture Repositories => _repositories;

    [Fact]
    public async Task Workspace_CreatedStoppedStartedDeleted_KeepsFilesAcrossStopAndCleansUpOnDelete()
    {
        var repository = await _repositories.CreateAsync("lifecycle", new GitRepositoryBuilder()
            .WithFile("README.md", "original\n")
            .WithGitpodYml(GitpodYml));
        using var api = await fixture.App.CreateUserAsync();

        // Create: accepted at once, ready after the clone and the task's init.
        var created = await api.CreateWorkspaceAsync(repository.FileUrl);
        Assert.Equal(DesiredState.Running, created.DesiredState);
        Assert.Equal($"/workspaces/{created.Id}", created.Url);
        var ready = await api.WaitUntilReadyAsync(created.Id);

        Assert.Equal("Running", ready.Workspace.Status);
        Assert.NotNull(ready.Workspace.ReadyAt);
        AssertTimingsInOrder(ready.LastStart);
        Assert.Equal(".gitpod.yml", ready.Config?.Source);
        var task = Assert.Single(ready.Tasks);
        Assert.Equal(("app", TaskRunState.Running, "command"), (task.Name, task.State, task.Step));
        var log = await Poll.UntilNotNullAsync(
            async () => await ReadTaskLogAsync(api, created.Id) is var text && text.Contains("command-output", StringComparison.Ordinal) ? text : null,
            ApiClient.ReadyTimeout,
            "the command's output in the task log");
        Assert.True(log.IndexOf("init-output", StringComparison.Ordinal) < log.IndexOf("command-output", StringComparison.Ordinal), log);

        // The user edits the checkout.
        var workspaceDirectory = fixture.App.WorkspaceDirectory(created.Id);
        var checkout = Path.Combine(workspaceDirectory, "lifecycle");
        await File.WriteAllTextAsync(Path.Combine(checkout, "notes.txt"), "untracked work\n");
        await File.WriteAllTextAsync(Path.Combine(checkout, "README.md"), "edited\n");
        var agentPid = LeftoverAgents.Read(workspaceDirectory)!.ProcessId;
        var commandPid = await fixture.App.ReadPidFileAsync(created.Id, "lifecycle/command.pid");
        Assert.True(ProcessProbe.IsAlive(agentPid));

        // Stop: the agent and the task's process end, the files stay.
        using (var stop = await api.PostActionAsync(created.Id, "stop"))
        {
            Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        }

        var stopped = await api.WaitUntilSettledAsync(created.Id);
        Assert.Equal((WorkspacePhase.Stopped, "Stopped", WorkspaceReasons.StoppedByUser), (stopped.Workspace.Phase, stopped.Workspace.Status, stopped.Workspace.StatusReason));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(agentPid, TimeSpan.FromSeconds(10)), "the agent exits on stop");
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(commandPid, TimeSpan.FromSeconds(10)), "the task's command ends with its workspace");
        Assert.Empty(stopped.Tasks);

        // Start again: same checkout, the edits are there, init does not run twice.
        using (var start = await api.PostActionAsync(created.Id, "start"))
        {
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        }

        var again = await api.WaitUntilReadyAsync(created.Id, startedAfter: ready.Workspace.LastStartedAt);
        Assert.Equal("untracked work\n", await File.ReadAllTextAsync(Path.Combine(checkout, "notes.txt")));
        Assert.Equal("edited\n", await File.ReadAllTextAsync(Path.Combine(checkout, "README.md")));
        Assert.Equal(["ran"], await File.ReadAllLinesAsync(Path.Combine(checkout, "init-runs.txt")));
        Assert.Equal(TaskRunState.Running, Assert.Single(again.Tasks).State);
        var newAgentPid = LeftoverAgents.Read(workspaceDirectory)!.ProcessId;
        Assert.NotEqual(agentPid, newAgentPid);

        // Delete: gone from the API, its agent ended, its directory removed.
        using (var delete = await api.DeleteWorkspaceAsync(created.Id))
        {
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        }

        await Poll.UntilAsync(async () => await api.GetWorkspaceAsync(created.Id) is null, ApiClient.ReadyTimeout, "the workspace to answer 404");
        await Poll.UntilAsync(() => !Directory.Exists(workspaceDirectory), ApiClient.ReadyTimeout, "the workspace directory to be removed");
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(newAgentPid, TimeSpan.FromSeconds(10)), "the agent exits on delete");
        Assert.DoesNotContain(await api.ListWorkspacesAsync(), w => w.Id == created.Id);
        Assert.True(Directory.Exists(repository.Path), "deleting a workspace leaves the repository it came from alone");
    }

    private static void AssertTimingsInOrder(WorkspaceStartView? start)
    {
        Assert.NotNull(start);
        DateTimeOffset?[] moments = [start.RequestedAt, start.LaunchedAt, start.AgentStartedAt, start.CloneStartedAt, start.CloneEndedAt, start.TasksStartedAt, start.ReadyAt];
        Assert.All(moments, m => Assert.NotNull(m));
        for (var i = 1; i < moments.Length; i++)
        {
            Assert.True(moments[i - 1] <= moments[i], $"timings out of order at {i}: {string.Join(", ", moments.Select(m => m?.ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture)))}");
        }

        Assert.Equal(WorkspacePhase.Ready, start.Outcome);
        Assert.Null(start.EndedAt);
    }

    private static async Task<string> ReadTaskLogAsync(ApiClient api, string id)
    {
        using var response = await api.GetTaskLogAsync(id, 0);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}

public sealed class SqliteLifecycleTests(AppFixture fixture) : LifecycleTests<AppFixture>(fixture)
{
    [Fact]
    public async Task Workspace_FromLocalPath_ClonesItAndGetsReady()
    {
        var repository = await Repositories.CreateAsync("on-disk", new GitRepositoryBuilder().WithFile("README.md", "from disk\n"));
        using var api = await Fixture.App.CreateUserAsync();

        var created = await api.CreateWorkspaceAsync(repository.Path);
        var ready = await api.WaitUntilReadyAsync(created.Id);

        Assert.Equal(repository.Path, ready.Workspace.RepositoryUrl);
        Assert.Null(ready.Config?.Source);
        Assert.Empty(ready.Tasks);
        var readme = Path.Combine(Fixture.App.WorkspaceDirectory(created.Id), "on-disk", "README.md");
        Assert.Equal("from disk\n", await File.ReadAllTextAsync(readme));
    }
}
