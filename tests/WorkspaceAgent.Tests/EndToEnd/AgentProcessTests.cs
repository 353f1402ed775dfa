using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Processes;
using Workspaces.WorkspaceAgent.Cloning;
using Workspaces.WorkspaceAgent.Hosting;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Workspaces.WorkspaceAgent.Tests.EndToEnd;

/// <summary>The built agent binary, started and stopped as a runtime does.</summary>
public sealed class AgentProcessTests(GitServerFixture git, ITestOutputHelper output) : IClassFixture<GitServerFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>A stopped agent must be gone within a few seconds (a runtime kills it after that).</summary>
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(8);

    private readonly TempDirectory _workspace = TempDirectory.Create("ws-e2e");

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Agent_BootstrapOnStdin_PreparesServesAndExitsCleanlyOnSigterm()
    {
        var bootstrap = TestBootstraps.Create(_workspace.Path, git.PrivateUrl, credential: new GitCredential(GitServerFixture.Alice.Username, GitServerFixture.Alice.Password));
        await using var agent = AgentProcess.Start(bootstrap);

        var info = await agent.WaitUntilListeningAsync(Timeout);
        var status = await agent.Client.WaitForSettledAsync(Timeout);

        Assert.Equal(agent.ProcessId, info.ProcessId);
        Assert.Equal(WorkspacePhase.Ready, status.Phase);
        Assert.Equal([WorkspacePhase.StartingAgent, WorkspacePhase.Cloning, WorkspacePhase.Ready], status.Phases.Select(phase => phase.Phase));
        Assert.True(status.Phases[0].EndedAt > status.Phases[0].StartedAt);
        Assert.True(File.Exists(Path.Combine(TestBootstraps.LayoutOf(bootstrap).CheckoutDirectory, "README.md")));
        using (var anonymous = new AgentClient(new Uri(info.Url), secret: null))
        using (var impostor = new AgentClient(new Uri(info.Url), secret: "not-the-secret"))
        {
            Assert.Equal("Healthy", await anonymous.Http.GetStringAsync("/health"));
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.Http.GetAsync("/api/status")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await impostor.Http.GetAsync("/api/status")).StatusCode);
        }

        var stopwatch = Stopwatch.StartNew();
        Assert.Equal(0, await agent.TerminateAsync(ExitTimeout));
        output.WriteLine($"Exited {stopwatch.ElapsedMilliseconds} ms after SIGTERM");

        var log = agent.Output;
        Assert.Contains("WorkspaceId:ws-test", log, StringComparison.Ordinal);
        Assert.DoesNotContain(TestBootstraps.Secret, log, StringComparison.Ordinal);
        Assert.DoesNotContain(GitServerFixture.Alice.Password, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_BootstrapFile_ReadsIt()
    {
        var bootstrap = TestBootstraps.Create(_workspace.Path, git.FileRepository.FileUrl);
        var file = Path.Combine(_workspace.Path, "bootstrap.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(bootstrap, AgentJsonContext.Default.AgentBootstrap));
        await using var agent = AgentProcess.Start(bootstrap, bootstrapFile: file);

        await agent.WaitUntilListeningAsync(Timeout);

        Assert.Equal(WorkspacePhase.Ready, (await agent.Client.WaitForSettledAsync(Timeout)).Phase);
        Assert.Equal(0, await agent.TerminateAsync(ExitTimeout));
    }

    [Fact]
    public async Task Agent_InvalidBootstrap_ExitsWithCode2AndSaysWhy()
    {
        var bootstrap = TestBootstraps.Create(_workspace.Path, git.PublicUrl) with { WorkspaceId = "" };
        await using var agent = AgentProcess.Start(bootstrap);

        Assert.Equal(2, await agent.WaitForExitAsync(Timeout));
        Assert.Contains("workspaceId is required", agent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_SigtermWhileCloning_ExitsPromptlyAndLeavesNothingHalfDone()
    {
        await using var slow = await SmartHttpGitServer.StartAsync();
        await slow.CreateRepositoryAsync("org/slow", new GitRepositoryBuilder().WithRandomFiles(count: 8, bytesEach: 256 * 1024));
        slow.ResponseBytesPerSecond = 256 * 1024;
        var bootstrap = TestBootstraps.Create(_workspace.Path, slow.RepositoryUrl("org/slow"));
        await using var agent = AgentProcess.Start(bootstrap);
        await agent.WaitUntilListeningAsync(Timeout);
        await agent.Client.WaitForAsync(s => s.CloneProgress is { ReceivedBytes: > 0 }, Timeout);

        Assert.Equal(0, await agent.TerminateAsync(ExitTimeout));

        var layout = TestBootstraps.LayoutOf(bootstrap);
        Assert.False(Directory.Exists(layout.CheckoutDirectory));
        Assert.False(Directory.Exists(RepositoryCloner.ScratchDirectory(layout)));
    }

    [Fact]
    public async Task Agent_IdleAfterReady_StaysUnder60MiB()
    {
        var bootstrap = TestBootstraps.Create(_workspace.Path, git.PublicUrl);
        await using var agent = AgentProcess.Start(bootstrap);
        await agent.WaitUntilListeningAsync(Timeout);
        var ready = await agent.Client.WaitForSettledAsync(Timeout);

        // Idle the way a watched agent does: serving the web app's long poll, with nothing to report for a while.
        var idle = await agent.Client.GetStatusAsync(after: ready.Version, waitMs: 2_000);

        var resident = ProcessProbe.ResidentBytes(agent.ProcessId);
        var starting = ready.Phases[0];
        output.WriteLine($"Idle agent RSS: {resident / (1024.0 * 1024):0.0} MiB; listening {(starting.EndedAt - starting.StartedAt)?.TotalMilliseconds:0} ms after the process started");

        Assert.Equal(WorkspacePhase.Ready, idle.Phase);
        Assert.InRange(resident, 1, (60L * 1024 * 1024) - 1);
    }
}
