using Microsoft.AspNetCore.SignalR;
using Workspaces.Shared.Terminals;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Processes;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Workspaces.WorkspaceAgent.Tests.EndToEnd;

/// <summary>
/// A terminal session against the built (native) agent process, through SignalR's own MessagePack client: the agent's
/// hand-written protocol must be what that client expects, and the session must not leave the agent large.
/// </summary>
public sealed class AgentTerminalTests(ITestOutputHelper log) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly GitRepositoryFixture _repositories = new();
    private readonly TempDirectory _workspace = TempDirectory.Create("ws-e2e-term");
    private readonly TempDirectory _home = TempDirectory.Create("ws-e2e-term-home");

    public void Dispose()
    {
        _home.Dispose();
        _workspace.Dispose();
        _repositories.Dispose();
    }

    [Fact]
    public async Task Terminal_CreateEchoResizeExit_WorksAgainstTheBuiltAgentAndItStaysSmall()
    {
        var repository = await _repositories.CreateAsync("term", new GitRepositoryBuilder().WithFile("README.md", "hi\n"));
        var bootstrap = TestBootstraps.Create(_workspace.Path, repository.FileUrl, environment: new Dictionary<string, string> { ["HOME"] = _home.Path });
        await using var agent = AgentProcess.Start(bootstrap);
        await agent.WaitUntilListeningAsync(Timeout);
        await agent.Client.WaitForSettledAsync(Timeout);
        var idle = ProcessProbe.ResidentBytes(agent.ProcessId);

        var before = DateTimeOffset.Now;
        long afterSession;
        await using (var client = await TerminalHubClient.ConnectAsync(new Uri(agent.RuntimeInfo!.Url)))
        {
            var terminal = await client.CreateAsync("e2e", 100, 30);
            Assert.Equal(("e2e", 100, 30, false, (int?)null), (terminal.Name, terminal.Columns, terminal.Rows, terminal.Exited, terminal.ExitCode));
            Assert.InRange(terminal.CreatedAt, before.AddMinutes(-1), DateTimeOffset.Now.AddMinutes(1));
            await using var output = client.Attach(terminal.Id, 0);

            await client.TypeAsync(terminal.Id, "printf 'echo:%s:%s\\n' '世界🚀' \"$((40+2))\"\r");
            await output.WaitForTextAsync("echo:世界🚀:42", Timeout);

            await client.ResizeAsync(terminal.Id, 132, 43);
            await client.TypeAsync(terminal.Id, "echo \"size-$(tput cols)x$(tput lines)\"\r");
            await output.WaitForTextAsync("size-132x43", Timeout);

            await client.TypeAsync(terminal.Id, "exit 3\r");
            var exited = await output.WaitForFrameAsync(TerminalFrameKind.Exited, Timeout);
            Assert.Equal(3, exited.ExitCode);
            await Poll.UntilAsync(() => client.Changes.Any(list => list.Any(t => t.Id == terminal.Id && t.ExitCode == 3)), Timeout, "TerminalsChanged with the exit");
            var listed = Assert.Single(await client.ListAsync(), t => t.Id == terminal.Id);
            Assert.Equal((132, 43, true, 3, terminal.CreatedAt), (listed.Columns, listed.Rows, listed.Exited, listed.ExitCode, listed.CreatedAt));

            await client.CloseAsync(terminal.Id);
            Assert.Empty(await client.ListAsync());
            var error = await Assert.ThrowsAsync<HubException>(() => client.ResizeAsync(terminal.Id, 80, 24));
            Assert.Contains($"no terminal {terminal.Id}", error.Message, StringComparison.Ordinal);
        }

        afterSession = ProcessProbe.ResidentBytes(agent.ProcessId);
        log.WriteLine($"Agent RSS: {idle / 1048576.0:0.0} MiB idle with the hub unused, {afterSession / 1048576.0:0.0} MiB after one terminal session");
        Assert.InRange(idle, 1, (60L * 1024 * 1024) - 1);
        Assert.InRange(afterSession, 1, (60L * 1024 * 1024) - 1);
    }
}
