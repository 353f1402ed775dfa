using Workspaces.Shared.Agent;
using Workspaces.Shared.Terminals;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.Terminals;

/// <summary>Configured tasks run in terminals a user can attach to, type into and see end.</summary>
public sealed class TaskTerminalTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly GitRepositoryFixture _repositories = new();
    private readonly TempDirectory _workspace = TempDirectory.Create("ws-task-terminals");
    private readonly TempDirectory _home = TempDirectory.Create("ws-task-terminals-home");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _home.Dispose();
        _workspace.Dispose();
        _repositories.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task TaskTerminal_AttachTypeAndExit_OutputStatusAndLogAgree()
    {
        var repository = await _repositories.CreateAsync("tasks", new GitRepositoryBuilder().WithFile("README.md", "hi\n"));
        var bootstrap = TestBootstraps.Create(_workspace.Path, repository.FileUrl, environment: new Dictionary<string, string> { ["HOME"] = _home.Path });
        var config = TestConfigs.WithTasks(TestConfigs.Task(
            name: "server",
            before: "echo before-$((1+1))-output",
            command: "read answer; echo \"got-$answer\"; exit 4"));
        await using var agent = await AgentTestHost.StartAsync(bootstrap, config);
        Assert.Equal(WorkspacePhase.Ready, (await agent.Client.WaitForSettledAsync(Timeout)).Phase);
        await using var client = await TerminalHubClient.ConnectAsync(agent.BaseAddress);

        var terminal = Assert.Single(await client.ListAsync());
        Assert.Equal(("task-0", "server", 0, false), (terminal.Id, terminal.Name, terminal.TaskIndex, terminal.Exited));
        await using var output = client.Attach(terminal.Id, 0);
        await output.WaitForTextAsync("--- command", Timeout);
        await client.TypeAsync(terminal.Id, "forty-two\r");

        var exited = await output.WaitForFrameAsync(TerminalFrameKind.Exited, Timeout);
        Assert.Equal(4, exited.ExitCode);
        var text = output.Text;
        AssertInOrder(text, "--- before", "before-2-output", "--- before exited with code 0 ---", "--- command", "got-forty-two", "--- command exited with code 4 ---");
        var task = (await agent.Client.WaitForAsync(status => status.Tasks[0].State == TaskRunState.Failed, Timeout)).Tasks[0];
        Assert.Equal(("command", 4), (task.Step, task.ExitCode));
        Assert.Equal((true, 4), ((await client.ListAsync())[0].Exited, (await client.ListAsync())[0].ExitCode));
        var (log, _) = await agent.Client.GetTaskLogAsync(0);
        Assert.Equal(text, log);
    }

    private static void AssertInOrder(string text, params string[] parts)
    {
        var position = 0;
        foreach (var part in parts)
        {
            var found = text.IndexOf(part, position, StringComparison.Ordinal);
            Assert.True(found >= 0, $"'{part}' missing (or out of order) in:\n{text}");
            position = found + part.Length;
        }
    }
}
