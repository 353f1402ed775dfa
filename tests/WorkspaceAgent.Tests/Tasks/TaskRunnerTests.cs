using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Processes;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceAgent.Status;
using Workspaces.WorkspaceAgent.Tasks;
using Workspaces.WorkspaceAgent.Terminals;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.Tasks;

/// <summary>Real shells, real process groups, hand-built configurations.</summary>
public sealed class TaskRunnerTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly TempDirectory _workspace = TempDirectory.Create("ws-tasks");
    private readonly List<TaskRunner> _runners = [];
    private readonly List<TerminalManager> _terminals = [];
    private AgentBootstrap _bootstrap;

    public TaskRunnerTests()
    {
        _bootstrap = TestBootstraps.Create(_workspace.Path, "https://example.invalid/org/repo");
        Directory.CreateDirectory(Layout.CheckoutDirectory);
    }

    private WorkspaceLayout Layout => TestBootstraps.LayoutOf(_bootstrap);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var runner in _runners)
        {
            await runner.DisposeAsync();
        }

        foreach (var terminals in _terminals)
        {
            await terminals.DisposeAsync();
        }

        _workspace.Dispose();
    }

    [Fact]
    public async Task StartAsync_BeforeInitCommand_RunInThatOrderIntoTheLog()
    {
        var (runner, store) = CreateRunner();

        await runner.StartAsync(TestConfigs.WithTasks(TestConfigs.Task(before: "echo from-before", init: "echo from-init", command: "echo from-command")), CancellationToken.None);
        var status = await store.WaitUntilAsync(s => s.Tasks[0].State == TaskRunState.Succeeded, Timeout);

        Assert.Equal(("command", 0), (status.Tasks[0].Step, status.Tasks[0].ExitCode));
        var log = await File.ReadAllTextAsync(Layout.TaskLogFile(0));
        AssertInOrder(log, "--- before", "from-before", "--- before exited with code 0 ---", "--- init", "from-init", "--- command", "from-command", "--- command exited with code 0 ---");
    }

    [Fact]
    public async Task StartAsync_SecondRunOnTheSameWorkspace_InitRunsOnlyOnce()
    {
        var config = TestConfigs.WithTasks(TestConfigs.Task(before: "echo b >> before-runs.txt", init: "echo i >> init-runs.txt", command: "echo c >> command-runs.txt"));
        var (first, firstStore) = CreateRunner();
        await first.StartAsync(config, CancellationToken.None);
        await firstStore.WaitUntilAsync(s => s.Tasks[0].State == TaskRunState.Succeeded, Timeout);
        await first.StopAsync(CancellationToken.None);

        var (second, secondStore) = CreateRunner();
        await second.StartAsync(config, CancellationToken.None);
        await secondStore.WaitUntilAsync(s => s.Tasks[0].State == TaskRunState.Succeeded, Timeout);

        Assert.Equal(2, CountLines("before-runs.txt"));
        Assert.Equal(1, CountLines("init-runs.txt"));
        Assert.Equal(2, CountLines("command-runs.txt"));
        Assert.True(File.Exists(Layout.InitDoneMarker));
        Assert.Contains("init: already done in this workspace, skipped", await File.ReadAllTextAsync(Layout.TaskLogFile(0)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_FailingInit_PreparedWithTheTaskFailedAndItsExitCode()
    {
        var (runner, store) = CreateRunner();

        await runner.StartAsync(
            TestConfigs.WithTasks(
                TestConfigs.Task(init: "echo broken; exit 3", command: "echo must-not-run", name: "setup"),
                TestConfigs.Task(command: "echo fine")),
            CancellationToken.None);
        var status = await store.WaitUntilAsync(s => s.Tasks[1].State == TaskRunState.Succeeded, Timeout);

        var failed = status.Tasks[0];
        Assert.Equal(("setup", TaskRunState.Failed, "init", 3), (failed.Name, failed.State, failed.Step, failed.ExitCode));
        Assert.NotNull(failed.EndedAt);
        var log = await File.ReadAllTextAsync(Layout.TaskLogFile(0));
        Assert.Contains("--- init exited with code 3 ---", log, StringComparison.Ordinal);
        Assert.DoesNotContain("must-not-run", log, StringComparison.Ordinal);
        Assert.False(File.Exists(Layout.InitDoneMarker));
    }

    [Fact]
    public async Task StartAsync_LongRunningCommand_ReturnsWhileItRuns()
    {
        var (runner, store) = CreateRunner();

        await runner.StartAsync(TestConfigs.WithTasks(TestConfigs.Task(before: "true", command: "exec sleep 300")), CancellationToken.None).WaitAsync(Timeout);

        var task = store.Current.Tasks[0];
        Assert.Equal((TaskRunState.Running, "command"), (task.State, task.Step));
        Assert.Null(task.ExitCode);
    }

    [Fact]
    public async Task StopAsync_CommandWithABackgroundChild_KillsTheWholeProcessGroup()
    {
        var (runner, _) = CreateRunner();
        await runner.StartAsync(TestConfigs.WithTasks(TestConfigs.Task(command: "echo $$ > shell.pid; sleep 300 & echo $! > child.pid; wait")), CancellationToken.None);
        var (shell, child) = (await ReadPidAsync("shell.pid"), await ReadPidAsync("child.pid"));
        Assert.True(ProcessProbe.IsAlive(child));

        await runner.StopAsync(CancellationToken.None);

        Assert.True(await ProcessProbe.WaitUntilGoneAsync(shell, Timeout), "the task's shell survived");
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(child, Timeout), "the task's child survived");
    }

    [Fact]
    public async Task StopAsync_TaskIgnoringSigterm_KilledAfterTheGracePeriod()
    {
        var (runner, _) = CreateRunner(grace: TimeSpan.FromMilliseconds(300));
        await runner.StartAsync(TestConfigs.WithTasks(TestConfigs.Task(command: "trap '' TERM; sleep 300 & echo $! > child.pid; wait")), CancellationToken.None);
        var child = await ReadPidAsync("child.pid");

        await runner.StopAsync(CancellationToken.None);

        Assert.True(await ProcessProbe.WaitUntilGoneAsync(child, Timeout), "a child that ignores SIGTERM must still be killed");
    }

    [Fact]
    public async Task StartAsync_Environment_ConfigThenTaskThenWorkspaceVariables()
    {
        _bootstrap = _bootstrap with { Environment = new Dictionary<string, string> { ["FROM_WORKSPACE"] = "w", ["SHARED"] = "workspace", ["HOME"] = TestBootstraps.Home } };
        var config = TestConfigs.WithTasks(TestConfigs.Task(
            command: "env > env.txt",
            environment: new Dictionary<string, string> { ["FROM_TASK"] = "t", ["TASK_WINS"] = "task" })) with
        {
            Environment = new Dictionary<string, string> { ["FROM_CONFIG"] = "c", ["TASK_WINS"] = "config", ["SHARED"] = "config" },
        };
        var (runner, store) = CreateRunner();

        await runner.StartAsync(config, CancellationToken.None);
        await store.WaitUntilAsync(s => s.Tasks[0].State == TaskRunState.Succeeded, Timeout);

        var environment = await ReadEnvironmentAsync();
        Assert.Equal("c", environment["FROM_CONFIG"]);
        Assert.Equal("t", environment["FROM_TASK"]);
        Assert.Equal("w", environment["FROM_WORKSPACE"]);
        Assert.Equal("task", environment["TASK_WINS"]);
        Assert.Equal("workspace", environment["SHARED"]);
        Assert.Equal(Layout.CheckoutDirectory, environment["PWD"]);
    }

    [Fact]
    public async Task StartAsync_SecretPutIntoVariables_NeverReachesTheTask()
    {
        _bootstrap = _bootstrap with { Environment = new Dictionary<string, string> { ["LEAKED"] = TestBootstraps.Secret, ["HOME"] = TestBootstraps.Home } };
        var config = TestConfigs.WithTasks(TestConfigs.Task(command: "env > env.txt; cat /proc/$$/environ > environ.bin")) with
        {
            Environment = new Dictionary<string, string> { ["ALSO_LEAKED"] = "prefix-" + TestBootstraps.Secret },
        };
        var (runner, store) = CreateRunner();

        await runner.StartAsync(config, CancellationToken.None);
        await store.WaitUntilAsync(s => s.Tasks[0].State == TaskRunState.Succeeded, Timeout);

        Assert.DoesNotContain(TestBootstraps.Secret, await File.ReadAllTextAsync(CheckoutFile("env.txt")), StringComparison.Ordinal);
        Assert.DoesNotContain(TestBootstraps.Secret, await File.ReadAllTextAsync(CheckoutFile("environ.bin")), StringComparison.Ordinal);
        Assert.False((await ReadEnvironmentAsync()).ContainsKey("LEAKED"));
    }

    [Fact]
    public async Task StartAsync_TaskWithoutSteps_Skipped()
    {
        var (runner, store) = CreateRunner();

        await runner.StartAsync(TestConfigs.WithTasks(TestConfigs.Task()), CancellationToken.None);

        Assert.Equal(TaskRunState.Skipped, store.Current.Tasks[0].State);
        Assert.True(runner.HasTask(0));
        Assert.False(runner.HasTask(1));
    }

    private (TaskRunner Runner, AgentStatusStore Store) CreateRunner(TimeSpan? grace = null)
    {
        var store = new AgentStatusStore(TimeProvider.System, TimeProvider.System.GetUtcNow());
        var options = new TaskRunnerOptions { StopGracePeriod = grace ?? TimeSpan.FromSeconds(2) };
        var terminals = TerminalManager.CreateStandalone(new TerminalOptions(), _bootstrap, Layout, TimeProvider.System, NullLoggerFactory.Instance);
        _terminals.Add(terminals);
        var runner = new TaskRunner(_bootstrap, Layout, store, options, terminals, TimeProvider.System, NullLogger<TaskRunner>.Instance);
        _runners.Add(runner);
        return (runner, store);
    }

    private string CheckoutFile(string name) => Path.Combine(Layout.CheckoutDirectory, name);

    private int CountLines(string name) => File.ReadAllLines(CheckoutFile(name)).Length;

    private async Task<int> ReadPidAsync(string name)
    {
        var text = await Poll.UntilNotNullAsync(
            async () => File.Exists(CheckoutFile(name)) && (await File.ReadAllTextAsync(CheckoutFile(name))).EndsWith('\n') ? await File.ReadAllTextAsync(CheckoutFile(name)) : null,
            Timeout,
            name);
        return int.Parse(text.Trim(), CultureInfo.InvariantCulture);
    }

    private async Task<Dictionary<string, string>> ReadEnvironmentAsync() =>
        (await File.ReadAllLinesAsync(CheckoutFile("env.txt")))
            .Where(line => line.Contains('=', StringComparison.Ordinal))
            .Select(line => line.Split('=', 2))
            .GroupBy(parts => parts[0])
            .ToDictionary(group => group.Key, group => group.Last()[1]);

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
