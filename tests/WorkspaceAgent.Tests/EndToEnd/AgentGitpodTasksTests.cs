using System.Globalization;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Processes;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.EndToEnd;

/// <summary>The built agent running the tasks of a real .gitpod.yml.</summary>
public sealed class AgentGitpodTasksTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private const string GitpodYml = """
        tasks:
          - name: server
            before: echo before-ran
            init: echo init-ran >> init-runs.txt
            command: |
              echo serving
              sleep 300 &
              echo $! > child.pid
              wait
        """;

    private readonly GitRepositoryFixture _repositories = new();
    private readonly TempDirectory _workspace = TempDirectory.Create("ws-e2e-tasks");

    public void Dispose()
    {
        _workspace.Dispose();
        _repositories.Dispose();
    }

    [Fact]
    public async Task Agent_GitpodTasks_RunsThemServesTheLogAndEndsThemOnSigterm()
    {
        var repository = await _repositories.CreateAsync("gitpod", new GitRepositoryBuilder().WithFile("README.md", "hi\n").WithGitpodYml(GitpodYml));
        var bootstrap = TestBootstraps.Create(_workspace.Path, repository.FileUrl);
        var layout = TestBootstraps.LayoutOf(bootstrap);
        await using var agent = AgentProcess.Start(bootstrap);
        await agent.WaitUntilListeningAsync(Timeout);

        var status = await agent.Client.WaitForSettledAsync(Timeout);

        Assert.Equal(WorkspacePhase.Ready, status.Phase);
        Assert.Equal(".gitpod.yml", status.Config?.Source);
        Assert.Equal([WorkspacePhase.StartingAgent, WorkspacePhase.Cloning, WorkspacePhase.RunningTasks, WorkspacePhase.Ready], status.Phases.Select(phase => phase.Phase));
        var task = Assert.Single(status.Tasks);
        Assert.Equal(("server", TaskRunState.Running, "command"), (task.Name, task.State, task.Step));

        var log = await Poll.UntilNotNullAsync(
            async () => (await agent.Client.GetTaskLogAsync(0)).Text is var text && text.Contains("serving", StringComparison.Ordinal) ? text : null,
            Timeout,
            "the command's output in the task log");
        Assert.Contains("before-ran", log, StringComparison.Ordinal);
        Assert.True(File.Exists(layout.InitDoneMarker + "-0"));

        var pidFile = Path.Combine(layout.CheckoutDirectory, "child.pid");
        await Poll.UntilAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).EndsWith('\n'), Timeout, "the command's child pid");
        var child = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
        Assert.True(ProcessProbe.IsAlive(child));

        Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(8)));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(child, Timeout), "the task's processes must end with the agent");

        // Started again on the same workspace (a stop/start): the checkout is kept, init does not run again.
        await using var again = AgentProcess.Start(bootstrap);
        await again.WaitUntilListeningAsync(Timeout);
        Assert.Equal(WorkspacePhase.Ready, (await again.Client.WaitForSettledAsync(Timeout)).Phase);
        Assert.Single(File.ReadAllLines(Path.Combine(layout.CheckoutDirectory, "init-runs.txt")));
        Assert.Equal(0, await again.TerminateAsync(TimeSpan.FromSeconds(8)));
    }
}
