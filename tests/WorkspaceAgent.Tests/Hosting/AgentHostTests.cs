using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Processes;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceAgent.Hosting;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.Hosting;

/// <summary>The whole agent in-process: HTTP API, secret, preparation phases, tasks, with a hand-built configuration.</summary>
public sealed class AgentHostTests(GitServerFixture git) : IClassFixture<GitServerFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _workspace = TempDirectory.Create("ws-host");

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Probes_WithoutTheSecret_Answer()
    {
        await using var host = await StartAsync();
        using var anonymous = new AgentClient(host.BaseAddress, secret: null);

        Assert.Equal("Healthy", await anonymous.Http.GetStringAsync("/health"));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.Http.GetAsync("/alive")).StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-secret")]
    public async Task Api_WithoutTheRightSecret_Unauthorized(string? secret)
    {
        await using var host = await StartAsync();
        using var client = new AgentClient(host.BaseAddress, secret);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.Http.GetAsync("/api/status")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.Http.GetAsync("/api/tasks/0/log")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.Http.GetAsync("/api/unknown")).StatusCode);
    }

    [Fact]
    public async Task Status_NoTasks_GoesFromStartingThroughCloningToReady()
    {
        await using var host = await StartAsync();
        var seen = new List<AgentStatus>();

        var status = await host.Client.WaitForAsync(s => s.Phase is WorkspacePhase.Ready or WorkspacePhase.Failed, Timeout, seen);

        Assert.Equal(WorkspacePhase.Ready, status.Phase);
        Assert.Null(status.Error);
        Assert.Equal([WorkspacePhase.StartingAgent, WorkspacePhase.Cloning, WorkspacePhase.Ready], status.Phases.Select(phase => phase.Phase));
        Assert.All(status.Phases.SkipLast(1), phase => Assert.NotNull(phase.EndedAt));
        Assert.Equal(1.0, status.CloneProgress?.Fraction);
        Assert.Equal(seen.Select(s => s.Version).Order(), seen.Select(s => s.Version));
        Assert.True(File.Exists(Path.Combine(host.Layout.CheckoutDirectory, "README.md")));
    }

    [Fact]
    public async Task RuntimeFile_OnceListening_NamesTheBoundUrlAndProcess()
    {
        await using var host = await StartAsync();
        await host.Client.WaitForSettledAsync(Timeout);

        var info = JsonSerializer.Deserialize(await File.ReadAllTextAsync(host.Layout.RuntimeFile), AgentJsonContext.Default.AgentRuntimeInfo);

        Assert.NotNull(info);
        Assert.Equal(host.BaseAddress, new Uri(info.Url));
        Assert.Equal(Environment.ProcessId, info.ProcessId);
        Assert.Equal(host.Bootstrap.WorkspaceId, info.WorkspaceId);
        Assert.DoesNotContain(TestBootstraps.Secret, await File.ReadAllTextAsync(host.Layout.RuntimeFile), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_LongPollWithNothingNew_ReturnsTheSameVersionAfterTheWait()
    {
        await using var host = await StartAsync();
        // Settled: ready, and the Git summary the agent reports right after (uncommitted changes for the dashboard).
        var ready = await host.Client.WaitForAsync(s => s.Phase == WorkspacePhase.Ready && s.Git is not null, Timeout);
        var started = TimeProvider.System.GetTimestamp();

        var again = await host.Client.GetStatusAsync(ready.Version, waitMs: 300);

        Assert.Equal(ready.Version, again.Version);
        Assert.InRange(TimeProvider.System.GetElapsedTime(started), TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Status_BadQuery_BadRequest()
    {
        await using var host = await StartAsync();

        Assert.Equal(HttpStatusCode.BadRequest, (await host.Client.Http.GetAsync("/api/status?after=abc")).StatusCode);
    }

    [Fact]
    public async Task CloneFailure_AgentKeepsServingInPhaseFailed()
    {
        await using var host = await StartAsync(repositoryUrl: git.Server.RepositoryUrl("org/missing"));

        var status = await host.Client.WaitForSettledAsync(Timeout);

        Assert.Equal(WorkspacePhase.Failed, status.Phase);
        Assert.Equal(AgentErrorCode.RepositoryNotFound, status.Error?.Code);
        Assert.Equal("Healthy", await host.Client.Http.GetStringAsync("/health"));
    }

    [Fact]
    public async Task Tasks_FailingInitAndLongCommand_ReadyWithBothReported()
    {
        var config = TestConfigs.WithTasks(
            TestConfigs.Task(before: "echo preparing", command: "echo serving; exec sleep 300", name: "server"),
            TestConfigs.Task(init: "echo cannot install >&2; exit 4", name: "install"));
        await using var host = await StartAsync(config: config);

        var status = await host.Client.WaitForSettledAsync(Timeout);

        Assert.Equal(WorkspacePhase.Ready, status.Phase);
        Assert.Contains(WorkspacePhase.RunningTasks, status.Phases.Select(phase => phase.Phase));
        Assert.Equal(".gitpod.yml", status.Config?.Source);
        Assert.Equal((TaskRunState.Running, "command"), (status.Tasks[0].State, status.Tasks[0].Step));
        Assert.Equal((TaskRunState.Failed, "init", 4), (status.Tasks[1].State, status.Tasks[1].Step, status.Tasks[1].ExitCode));
        var (log, _) = await host.Client.GetTaskLogAsync(1);
        Assert.Contains("cannot install", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TaskLog_Offsets_PageThroughTheLogWithItsLength()
    {
        var config = TestConfigs.WithTasks(TestConfigs.Task(command: "head -c 1500000 /dev/zero | tr '\\0' 'a'; echo; echo done"));
        await using var host = await StartAsync(config: config);
        await host.Client.WaitForAsync(s => s.Tasks is [{ State: TaskRunState.Succeeded }], Timeout);

        using var first = await host.Client.Http.GetAsync("/api/tasks/0/log");
        var firstBytes = await first.Content.ReadAsByteArrayAsync();
        var length = long.Parse(first.Headers.GetValues("X-Log-Length").Single(), CultureInfo.InvariantCulture);
        var (rest, restLength) = await host.Client.GetTaskLogAsync(0, firstBytes.Length);
        var (end, _) = await host.Client.GetTaskLogAsync(0, length);

        Assert.Equal(new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" }, first.Content.Headers.ContentType);
        Assert.Equal(1024 * 1024, firstBytes.Length);
        Assert.Equal(length, restLength);
        Assert.Equal(length, firstBytes.Length + System.Text.Encoding.UTF8.GetByteCount(rest));
        Assert.Contains("done", rest, StringComparison.Ordinal);
        Assert.Empty(end);
    }

    [Fact]
    public async Task TaskLog_UnknownTaskOrBadOffset_NotFoundOrBadRequest()
    {
        await using var host = await StartAsync(config: TestConfigs.WithTasks(TestConfigs.Task(command: "true")));
        await host.Client.WaitForSettledAsync(Timeout);

        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.Http.GetAsync("/api/tasks/1/log")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.Http.GetAsync("/api/tasks/-1/log")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Client.Http.GetAsync("/api/tasks/0/log?offset=-5")).StatusCode);
    }

    [Fact]
    public async Task TwoRunsOnOneWorkspace_InitOnceCheckoutKept()
    {
        var config = TestConfigs.WithTasks(TestConfigs.Task(init: "echo ran >> init-runs.txt", command: "echo started >> command-runs.txt"));
        await using (var first = await StartAsync(config: config))
        {
            await first.Client.WaitForAsync(s => s.Tasks is [{ State: TaskRunState.Succeeded }], Timeout);
        }

        await using var second = await StartAsync(config: config);
        var status = await second.Client.WaitForAsync(s => s.Tasks is [{ State: TaskRunState.Succeeded }], Timeout);

        var checkout = second.Layout.CheckoutDirectory;
        Assert.Single(File.ReadAllLines(Path.Combine(checkout, "init-runs.txt")));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(checkout, "command-runs.txt")).Length);
        Assert.Null(status.CloneProgress);
    }

    [Fact]
    public async Task Stop_WithRunningTasks_EndsTheirProcesses()
    {
        var config = TestConfigs.WithTasks(TestConfigs.Task(command: "sleep 300 & echo $! > child.pid; wait"));
        var host = await StartAsync(config: config);
        await host.Client.WaitForSettledAsync(Timeout);
        var pidFile = Path.Combine(host.Layout.CheckoutDirectory, "child.pid");
        await Poll.UntilAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).EndsWith('\n'), Timeout, "the task's child pid");
        var child = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);

        await host.DisposeAsync();

        Assert.True(await ProcessProbe.WaitUntilGoneAsync(child, Timeout));
    }

    private Task<AgentTestHost> StartAsync(string? repositoryUrl = null, WorkspaceConfig? config = null) =>
        AgentTestHost.StartAsync(TestBootstraps.Create(_workspace.Path, repositoryUrl ?? git.PublicUrl), config ?? WorkspaceConfig.Empty);
}
