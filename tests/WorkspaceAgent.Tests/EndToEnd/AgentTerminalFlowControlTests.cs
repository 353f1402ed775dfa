using System.Diagnostics;
using System.Globalization;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Processes;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Workspaces.WorkspaceAgent.Tests.EndToEnd;

/// <summary>The built agent under <c>yes</c> with a client that never acknowledges: memory stays bounded, Ctrl-C still works.</summary>
public sealed class AgentTerminalFlowControlTests(ITestOutputHelper log) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>The default window (512 KiB) plus one reactor read (64 KiB) plus the prompt.</summary>
    private const long MaxUnacknowledged = (512 + 64 + 4) * 1024;

    private readonly GitRepositoryFixture _repositories = new();
    private readonly TempDirectory _workspace = TempDirectory.Create("ws-flow");
    private readonly TempDirectory _home = TempDirectory.Create("ws-flow-home");

    public void Dispose()
    {
        _home.Dispose();
        _workspace.Dispose();
        _repositories.Dispose();
    }

    [Fact]
    public async Task Yes_ClientNeverAcknowledges_MemoryBoundedProgramHeldAndCtrlCStopsIt()
    {
        var repository = await _repositories.CreateAsync("flow", new GitRepositoryBuilder().WithFile("README.md", "hi\n"));
        var bootstrap = TestBootstraps.Create(_workspace.Path, repository.FileUrl, environment: new Dictionary<string, string> { ["HOME"] = _home.Path });
        await using var agent = AgentProcess.Start(bootstrap);
        await agent.WaitUntilListeningAsync(Timeout);
        await agent.Client.WaitForSettledAsync(Timeout);
        await using var client = await TerminalHubClient.ConnectAsync(new Uri(agent.RuntimeInfo!.Url));
        var terminal = await client.CreateAsync();
        var slow = client.Attach(terminal.Id, 0, acknowledge: false);
        await client.TypeAsync(terminal.Id, "echo pid-$$-ready\r");
        var shell = int.Parse((await slow.WaitForMatchAsync(@"pid-(\d+)-ready", Timeout)).Groups[1].Value, CultureInfo.InvariantCulture);
        var baseline = ProcessProbe.ResidentBytes(agent.ProcessId);

        await client.TypeAsync(terminal.Id, "yes\r");
        var yes = await Poll.UntilNotNullAsync(() => Task.FromResult(TerminalProcesses.Find(shell, "yes")), Timeout, "yes to run");
        var peak = baseline;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            peak = Math.Max(peak, ProcessProbe.ResidentBytes(agent.ProcessId));
            await Task.Delay(200);
        }

        log.WriteLine($"Agent RSS: {baseline / 1048576.0:0.0} MiB before yes, peak {peak / 1048576.0:0.0} MiB over 10 s; client received {slow.Bytes.Length / 1024} KiB");
        Assert.InRange(slow.Bytes.Length, 256 * 1024, MaxUnacknowledged);
        Assert.InRange(peak - baseline, 0, 24L * 1024 * 1024);
        Assert.True(ProcessProbe.IsAlive(yes.ProcessId), "yes must be held (blocked on write), not ended");
        Assert.Contains(await client.ListAsync(), listed => listed.Id == terminal.Id);

        var interrupted = Stopwatch.StartNew();
        await client.InputAsync(terminal.Id, [0x03]);
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(yes.ProcessId, TimeSpan.FromSeconds(2)), "Ctrl-C did not stop yes while its output was held back");
        log.WriteLine($"yes ended {interrupted.ElapsedMilliseconds} ms after Ctrl-C");
        Assert.InRange(slow.Bytes.Length, 0, MaxUnacknowledged);

        // The client catches up: the shell is back.
        var resumeAt = slow.NextOffset;
        await slow.DetachAsync();
        await using var caughtUp = client.Attach(terminal.Id, resumeAt);
        await client.TypeAsync(terminal.Id, "echo back-$((6*7))\r");
        await caughtUp.WaitForTextAsync("back-42", Timeout);
        Assert.Null(caughtUp.Discontinuity);
    }
}
