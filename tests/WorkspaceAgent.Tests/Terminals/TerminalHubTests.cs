using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR.Client;
using Workspaces.Shared.Terminals;
using Workspaces.TestSupport.Processes;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.Terminals;

/// <summary>Real PTYs and real login shells, driven through a real SignalR client against the in-process agent.</summary>
public sealed class TerminalHubTests(TerminalAgentFixture fixture) : IClassFixture<TerminalAgentFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly List<IAsyncDisposable> _disposables = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var disposable in Enumerable.Reverse(_disposables))
        {
            await disposable.DisposeAsync();
        }
    }

    [Fact]
    public async Task Input_EchoCommand_OutputComesBack()
    {
        var (client, shell) = await OpenShellAsync();

        await client.TypeAsync(shell.Terminal.Id, "echo round-$((20+1))-trip\r");

        await shell.Output.WaitForTextAsync("round-21-trip", Timeout);
        Assert.Null(shell.Output.Discontinuity);
    }

    [Fact]
    public async Task CreateTerminal_Shell_RunsInTheCheckoutWithTheWorkspaceEnvironment()
    {
        var (client, shell) = await OpenShellAsync();

        await client.TypeAsync(shell.Terminal.Id, "printf '%s:%s|%s|%s|%s|%s:end\\n' env \"$PWD\" \"$TERM\" \"$COLORTERM\" \"$LANG\" \"$(env | grep -c agent-secret-for-tests)\"\r");

        var match = await shell.Output.WaitForMatchAsync("env:(.*):end", Timeout);
        Assert.Equal($"{fixture.Agent.Layout.CheckoutDirectory}|xterm-256color|truecolor|C.UTF-8|0", match.Groups[1].Value);
        Assert.Equal("bash", shell.Terminal.Name);
        Assert.Null(shell.Terminal.TaskIndex);
    }

    [Fact]
    public async Task FullScreenProgram_Vi_SwitchesToTheAlternateScreenAndBack()
    {
        var (client, shell) = await OpenShellAsync();

        await client.TypeAsync(shell.Terminal.Id, "vi -u NONE -N\r");
        await shell.Output.WaitForTextAsync("\u001b[?1049h", Timeout);
        await Poll.UntilAsync(() => TerminalProcesses.Find(shell.ProcessId, "vi") is not null, Timeout, "vi to run");
        await client.TypeAsync(shell.Terminal.Id, "\u001b:q!\r");

        await shell.Output.WaitForTextAsync("\u001b[?1049l", Timeout);
        await Poll.UntilAsync(() => TerminalProcesses.Find(shell.ProcessId, "vi") is null, Timeout, "vi to quit");
    }

    [Fact]
    public async Task Resize_NewSize_SeenByTput()
    {
        var (client, shell) = await OpenShellAsync();

        await client.ResizeAsync(shell.Terminal.Id, 132, 43);
        await client.TypeAsync(shell.Terminal.Id, "echo \"size-$(tput cols)x$(tput lines)\"\r");

        await shell.Output.WaitForTextAsync("size-132x43", Timeout);
        var listed = Assert.Single(await client.ListAsync(), terminal => terminal.Id == shell.Terminal.Id);
        Assert.Equal((132, 43), (listed.Columns, listed.Rows));
    }

    [Fact]
    public async Task CtrlC_WhileSleepRuns_EndsItAndThePromptReturns()
    {
        var (client, shell) = await OpenShellAsync();
        await client.TypeAsync(shell.Terminal.Id, "sleep 100\r");
        var sleep = await Poll.UntilNotNullAsync(() => Task.FromResult(TerminalProcesses.Find(shell.ProcessId, "sleep")), Timeout, "sleep to run");

        await client.InputAsync(shell.Terminal.Id, [0x03]);

        Assert.True(await ProcessProbe.WaitUntilGoneAsync(sleep.ProcessId, Timeout), "Ctrl-C did not end sleep");
        await client.TypeAsync(shell.Terminal.Id, "echo back-$((2+3))\r");
        await shell.Output.WaitForTextAsync("back-5", Timeout);
    }

    [Fact]
    public async Task JobControl_CtrlZThenFg_StopsAndResumesTheJob()
    {
        var (client, shell) = await OpenShellAsync();
        await client.TypeAsync(shell.Terminal.Id, "sleep 100\r");
        var sleep = await Poll.UntilNotNullAsync(() => Task.FromResult(TerminalProcesses.Find(shell.ProcessId, "sleep")), Timeout, "sleep to run");

        await client.InputAsync(shell.Terminal.Id, [0x1a]);
        await shell.Output.WaitForTextAsync("Stopped", Timeout);
        Assert.Equal('T', TerminalProcesses.Find(shell.ProcessId, "sleep")?.State);

        await client.TypeAsync(shell.Terminal.Id, "fg\r");
        await Poll.UntilAsync(() => TerminalProcesses.Find(shell.ProcessId, "sleep")?.State == 'S', Timeout, "sleep to run again");
        await client.InputAsync(shell.Terminal.Id, [0x03]);
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(sleep.ProcessId, Timeout), "Ctrl-C after fg did not end sleep");
    }

    [Fact]
    public async Task Utf8_WideCharactersAndEmoji_RoundTripAsBytes()
    {
        var (client, shell) = await OpenShellAsync();

        await client.TypeAsync(shell.Terminal.Id, "printf 'wide:%s:%s\\n' '世界🚀é' \"$(printf '%s' '世界🚀é' | wc -c)\"\r");

        // 3 + 3 (CJK) + 4 (emoji) + 2 (é) = 12 bytes: the shell got the UTF-8 intact and printed it back intact.
        await shell.Output.WaitForTextAsync("wide:世界🚀é:12", Timeout);
    }

    [Fact]
    public async Task Exit_Code3_ExitedFrameAndStillListedUntilClosed()
    {
        var (client, shell) = await OpenShellAsync();

        await client.TypeAsync(shell.Terminal.Id, "exit 3\r");

        var exited = await shell.Output.WaitForFrameAsync(TerminalFrameKind.Exited, Timeout);
        Assert.Equal(3, exited.ExitCode);
        Assert.Equal(shell.Output.NextOffset, exited.Offset);
        await Poll.UntilAsync(() => client.Changes.Any(list => list.Any(t => t.Id == shell.Terminal.Id && t.Exited && t.ExitCode == 3)), Timeout, "TerminalsChanged with the exit");
        var listed = Assert.Single(await client.ListAsync(), terminal => terminal.Id == shell.Terminal.Id);
        Assert.Equal((true, 3), (listed.Exited, listed.ExitCode));

        var changesBefore = client.Changes.Count;
        await client.CloseAsync(shell.Terminal.Id);

        Assert.DoesNotContain(await client.ListAsync(), terminal => terminal.Id == shell.Terminal.Id);
        await Poll.UntilAsync(() => client.Changes.Skip(changesBefore).Any(list => list.All(t => t.Id != shell.Terminal.Id)), Timeout, "TerminalsChanged without it");
    }

    [Fact]
    public async Task Close_RunningShell_HangsUpItsProcesses()
    {
        var (client, shell) = await OpenShellAsync();
        await client.TypeAsync(shell.Terminal.Id, "sleep 100 &\r");
        var sleep = await Poll.UntilNotNullAsync(() => Task.FromResult(TerminalProcesses.Find(shell.ProcessId, "sleep")), Timeout, "sleep to run");

        await client.CloseAsync(shell.Terminal.Id);

        Assert.True(await ProcessProbe.WaitUntilGoneAsync(shell.ProcessId, Timeout), "the shell survived Close");
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(sleep.ProcessId, Timeout), "its background job survived Close");
    }

    [Fact]
    public async Task Reconnect_ClientDroppedMidOutput_ResumesAtItsOffsetWithoutLossOrDuplicates()
    {
        var (first, shell) = await OpenShellAsync(acknowledge: false);

        // ~850 KB: more than the flow-control window (the program is held mid-output while nobody acknowledges),
        // less than the scrollback (nothing is dropped before the second connection comes).
        await first.TypeAsync(shell.Terminal.Id, "seq 1 120000; echo seq-$((6*7))-done\r");
        await Poll.UntilAsync(() => shell.Output.Bytes.Length > 512 * 1024, Timeout, "the first half of the output");
        Assert.DoesNotContain("seq-42-done", shell.Output.Text, StringComparison.Ordinal);
        await first.DisposeAsync();
        var firstPart = shell.Output.Bytes;
        var resumeAt = shell.Output.NextOffset;

        var second = await ConnectAsync();
        var rest = Track(second.Attach(shell.Terminal.Id, resumeAt));
        await rest.WaitForTextAsync("seq-42-done", Timeout);

        Assert.Null(rest.Discontinuity);
        Assert.Equal(resumeAt, rest.Frames[0].Offset);
        byte[] joined = [.. firstPart, .. rest.Bytes];
        var reference = Track(second.Attach(shell.Terminal.Id, shell.Output.StartOffset));
        await Poll.UntilAsync(() => reference.NextOffset >= rest.NextOffset, Timeout, "the whole output again");
        Assert.Equal(reference.Bytes.AsSpan(0, joined.Length).ToArray(), joined);

        var numbers = Regex.Matches(Encoding.UTF8.GetString(joined), @"(?<=[\r\n])(\d+)(?=\r\n)").Select(match => int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(1, 120000), numbers);
    }

    [Fact]
    public async Task TwoClients_OneTerminal_BothSeeTheSameBytes()
    {
        var (first, shell) = await OpenShellAsync();
        var second = await ConnectAsync();
        var secondOutput = Track(second.Attach(shell.Terminal.Id, 0));

        await second.TypeAsync(shell.Terminal.Id, "for i in 1 2 3; do echo \"two-$i\"; done; echo both-$((1+1))-see\r");

        await shell.Output.WaitForTextAsync("both-2-see", Timeout);
        await secondOutput.WaitForTextAsync("both-2-see", Timeout);
        var length = Math.Min(shell.Output.Bytes.Length, secondOutput.Bytes.Length);
        Assert.Equal(shell.Output.Bytes.AsSpan(0, length).ToArray(), secondOutput.Bytes.AsSpan(0, length).ToArray());
        Assert.Equal(0, secondOutput.StartOffset);
    }

    [Fact]
    public async Task Rename_ByOneClient_EveryClientToldTheNewName()
    {
        var (first, shell) = await OpenShellAsync();
        var second = await ConnectAsync();

        await first.Connection.InvokeAsync("Rename", shell.Terminal.Id, "  build watcher ");

        await Poll.UntilAsync(() => second.Changes.Any(list => list.Any(t => t.Id == shell.Terminal.Id && t.Name == "build watcher")), Timeout, "TerminalsChanged with the new name");
        Assert.Equal("build watcher", Assert.Single(await second.ListAsync(), terminal => terminal.Id == shell.Terminal.Id).Name);
    }

    private async Task<TerminalHubClient> ConnectAsync()
    {
        var client = await TerminalHubClient.ConnectAsync(fixture.Agent.BaseAddress);
        _disposables.Add(client);
        return client;
    }

    private TerminalOutput Track(TerminalOutput output)
    {
        _disposables.Add(output);
        return output;
    }

    /// <summary>A new shell, attached from offset 0, and its pid (the session id of everything it runs).</summary>
    private async Task<(TerminalHubClient Client, Shell Shell)> OpenShellAsync(bool acknowledge = true)
    {
        var client = await ConnectAsync();
        var terminal = await client.CreateAsync();
        var output = Track(client.Attach(terminal.Id, 0, acknowledge));
        await client.TypeAsync(terminal.Id, "echo pid-$$-ready\r");
        var match = await output.WaitForMatchAsync(@"pid-(\d+)-ready", Timeout);
        return (client, new Shell(terminal, output, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)));
    }

    private sealed record Shell(TerminalInfo Terminal, TerminalOutput Output, int ProcessId);
}
