using System.Diagnostics;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Ssh;

/// <summary>
/// <c>workspaces ssh &lt;ws&gt;</c> in a real terminal: tmux gives it a PTY, types into it, resizes it and reads the
/// screen, as a person at a terminal would.
/// </summary>
public sealed class SshInteractiveTests(AppFixture fixture) : IClassFixture<AppFixture>, IDisposable
{
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose() => _repositories.Dispose();

    [Fact]
    public async Task WorkspacesSsh_InATerminal_GivesAShellThatFollowsResizeAndCtrlC()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var repository = await _repositories.CreateAsync($"pty-{Guid.NewGuid():N}", new GitRepositoryBuilder().WithFile("README.md", "hi\n"));
        var id = (await alice.CreateWorkspaceAsync(repository.FileUrl)).Id;
        await alice.WaitUntilReadyAsync(id);
        using var machine = new SshClients(fixture.App, alice.Token);
        using var tmux = new Tmux(Path.Combine(machine.Home, "tmux.sock"));
        var start = machine.StartInfo(SshClients.CliPath, ["ssh", id]);
        var environment = string.Join(' ', new[] { "WORKSPACES_CONFIG_DIR", "WORKSPACES_URL", "WORKSPACES_TOKEN" }.Select(n => $"{n}='{start.Environment[n]}'"));

        await tmux.RunAsync("new-session", "-d", "-s", "ws", "-x", "100", "-y", "30", $"env {environment} {SshClients.CliPath} ssh {id}");
        // No status line: the pane is the whole 100×30 window.
        await tmux.RunAsync("set-option", "-g", "status", "off");
        await tmux.TypeAsync("echo ready-$((40+2))");
        await tmux.WaitForScreenAsync("ready-42");
        await tmux.TypeAsync("stty size");
        await tmux.WaitForScreenAsync("30 100");
        await tmux.RunAsync("resize-window", "-t", "ws", "-x", "120", "-y", "40");
        await tmux.TypeAsync("stty size");
        await tmux.WaitForScreenAsync("40 120");
        await tmux.TypeAsync("sleep 300");
        await tmux.RunAsync("send-keys", "-t", "ws", "C-c");
        await tmux.TypeAsync("echo after-$((2+3))");

        // Within the wait only if Ctrl-C reached the remote sleep through the PTY.
        await tmux.WaitForScreenAsync("after-5");
    }

    private sealed class Tmux(string socket) : IDisposable
    {
        public async Task RunAsync(params string[] arguments)
        {
            var start = new ProcessStartInfo("tmux") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("-S");
            start.ArgumentList.Add(socket);
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment.Remove("TMUX");
            using var process = Process.Start(start)!;
            var result = await SshClients.WaitAsync(process, null, TimeSpan.FromSeconds(30));
            Assert.True(result.ExitCode == 0, $"tmux {string.Join(' ', arguments)}: {result}");
        }

        public Task TypeAsync(string line) => RunAsync("send-keys", "-t", "ws", "-l", line + "\r");

        public async Task<string> ScreenAsync()
        {
            var start = new ProcessStartInfo("tmux", ["-S", socket, "capture-pane", "-p", "-t", "ws"]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            using var process = Process.Start(start)!;
            return (await SshClients.WaitAsync(process, null, TimeSpan.FromSeconds(30))).Output;
        }

        public async Task WaitForScreenAsync(string text)
        {
            var last = "";
            try
            {
                await Poll.UntilAsync(async () => (last = await ScreenAsync()).Contains(text, StringComparison.Ordinal), SshClients.Timeout, $"'{text}' on the screen");
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"{e.Message}\nScreen:\n{last}", e);
            }
        }

        public void Dispose()
        {
            using var process = Process.Start(new ProcessStartInfo("tmux", ["-S", socket, "kill-server"]) { UseShellExecute = false, RedirectStandardError = true });
            process?.WaitForExit(5000);
        }
    }
}
