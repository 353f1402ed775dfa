using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.Shared.Ssh;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Network;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Tests.Authorization;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Ssh;

/// <summary>
/// Debian's OpenSSH client through the CLI's ProxyCommand (as <c>config-ssh</c> writes it) and the web app's tunnel into
/// the sshd a real local-runtime workspace's agent starts.
/// </summary>
public sealed partial class SshTunnelTests(SshTunnelTests.Fixture fixture) : IClassFixture<SshTunnelTests.Fixture>, IDisposable
{
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose() => _repositories.Dispose();

    [Fact]
    public async Task Owner_CommandThroughProxyCommand_ReturnsTheRemoteExitCodeAndOutput()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice);
        using var machine = new SshClients(fixture.App, alice.Token);
        var host = await machine.ConfigureAsync(id);

        var echoed = await machine.SshAsync(host, "--", $"echo hello-$((6*7)); cat {Checkout(id)}/README.md");
        var exited = await machine.SshAsync(host, "--", "exit 3");

        Assert.True(echoed.ExitCode == 0, echoed.ToString());
        Assert.Equal("hello-42\nhello from the workspace\n", echoed.Output);
        Assert.Equal(3, exited.ExitCode);
    }

    [Fact]
    public async Task Owner_Scp50MegabytesThereAndBack_IsTheSameByteForByte()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice);
        using var machine = new SshClients(fixture.App, alice.Token);
        var host = await machine.ConfigureAsync(id);
        var original = Path.Combine(machine.Home, "original.bin");
        var back = Path.Combine(machine.Home, "back.bin");
        var bytes = RandomNumberGenerator.GetBytes(50 * 1024 * 1024);
        await File.WriteAllBytesAsync(original, bytes);

        var up = await machine.RunAsync("scp", ["-F", machine.SshConfig, "-q", original, $"{host}:/tmp/ws-scp-{id}.bin"], input: null);
        var down = await machine.RunAsync("scp", ["-F", machine.SshConfig, "-q", $"{host}:/tmp/ws-scp-{id}.bin", back], input: null);
        await machine.SshAsync(host, "--", $"rm -f /tmp/ws-scp-{id}.bin");

        Assert.True(up.ExitCode == 0, up.ToString());
        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(await File.ReadAllBytesAsync(back)));
    }

    [Fact]
    public async Task Owner_SftpListing_StartsInTheCheckout()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice);
        using var machine = new SshClients(fixture.App, alice.Token);
        var host = await machine.ConfigureAsync(id);

        var listing = await machine.RunAsync("sftp", ["-F", machine.SshConfig, "-b", "-", host], input: "pwd\nls -1\n");

        Assert.True(listing.ExitCode == 0, listing.ToString());
        Assert.Contains($"Remote working directory: {Checkout(id)}\n", listing.Output, StringComparison.Ordinal);
        Assert.Contains("README.md", listing.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Owner_CommandAndShell_StartInTheCheckout()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice);
        using var machine = new SshClients(fixture.App, alice.Token);
        var host = await machine.ConfigureAsync(id);

        var command = await machine.SshAsync(host, "--", "pwd");
        var shell = await machine.RunAsync("ssh", ["-F", machine.SshConfig, "-T", host], input: "pwd\nexit\n");

        Assert.True(command.ExitCode == 0, command.ToString());
        Assert.Equal(Checkout(id) + "\n", command.Output);
        Assert.True(shell.ExitCode == 0, shell.ToString());
        Assert.EndsWith(Checkout(id) + "\n", shell.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Owner_LocalForward_ReachesAServerInTheWorkspace()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice);
        using var machine = new SshClients(fixture.App, alice.Token);
        var host = await machine.ConfigureAsync(id);
        var remotePort = ClosedPort.Reserve();
        var localPort = ClosedPort.Reserve();
        // The server runs in the same SSH connection that forwards to it; it answers with the file it serves.
        using var forwarding = machine.Start("ssh", ["-F", machine.SshConfig, "-o", "ExitOnForwardFailure=yes", "-L", $"127.0.0.1:{localPort}:127.0.0.1:{remotePort}", host, "--",
            $"cd {Checkout(id)} && exec /usr/bin/python3 -m http.server {remotePort} --bind 127.0.0.1"]);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var body = await Poll.UntilNotNullAsync(
                async () =>
                {
                    try
                    {
                        return await http.GetStringAsync(new Uri($"http://127.0.0.1:{localPort}/README.md"));
                    }
                    catch (HttpRequestException)
                    {
                        return null;
                    }
                },
                SshClients.Timeout,
                "the forwarded port to answer");

            Assert.Equal("hello from the workspace\n", body);
        }
        finally
        {
            forwarding.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task AnotherUser_Tunnel_IsToldTheWorkspaceDoesNotExist()
    {
        using var alice = await fixture.App.CreateUserAsync();
        using var bob = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice);
        using var bobsMachine = new SshClients(fixture.App, bob.Token);

        var proxy = await bobsMachine.CliAsync("ssh", "--stdio", $"workspaces.{id}");
        var ssh = await bobsMachine.RunAsync("ssh", ["-o", $"ProxyCommand={SshClients.CliPath} ssh --stdio %h", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", $"workspaces.{id}", "--", "true"], input: null);

        Assert.Equal(4, proxy.ExitCode);
        Assert.Contains($"There is no workspace {id}", proxy.Error, StringComparison.Ordinal);
        Assert.Equal(255, ssh.ExitCode);
        Assert.Contains($"There is no workspace {id}", ssh.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadOnlyShare_Tunnel_IsRefusedWithTheReason()
    {
        using var owner = await fixture.App.CreateUserAsync();
        using var watcher = await fixture.App.CreateUserAsync();
        var teamId = (await AccessWorld.PostAsync(owner, "/api/teams", new { name = "SSH team" })).GetProperty("id").GetString()!;
        await AccessWorld.JoinAsync(owner, watcher, teamId);
        var id = await ReadyWorkspaceAsync(owner);
        await AccessWorld.PostAsync(owner, $"/api/workspaces/{id}/shares", new { email = await AccessWorld.EmailAsync(watcher), access = "ReadOnly" });
        using var machine = new SshClients(fixture.App, watcher.Token);

        var proxy = await machine.CliAsync("ssh", "--stdio", $"workspaces.{id}");

        Assert.Equal(4, proxy.ExitCode);
        Assert.Contains("read-only", proxy.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FullShare_RevokedWhileConnected_CutsTheSession()
    {
        using var owner = await fixture.App.CreateUserAsync();
        using var colleague = await fixture.App.CreateUserAsync();
        var teamId = (await AccessWorld.PostAsync(owner, "/api/teams", new { name = "SSH team" })).GetProperty("id").GetString()!;
        await AccessWorld.JoinAsync(owner, colleague, teamId);
        var id = await ReadyWorkspaceAsync(owner);
        await AccessWorld.PostAsync(owner, $"/api/workspaces/{id}/shares", new { email = await AccessWorld.EmailAsync(colleague), access = "Full" });
        using var machine = new SshClients(fixture.App, colleague.Token);
        var host = await machine.ConfigureAsync(id);
        using var session = machine.Start("ssh", ["-F", machine.SshConfig, host, "--", "echo connected; exec sleep 300"]);
        Assert.Equal("connected", await ReadLineAsync(session));

        using (var revoked = await owner.Http.DeleteAsync(new Uri($"/api/workspaces/{id}/shares/{await AccessWorld.UserIdAsync(colleague)}", UriKind.Relative)))
        {
            Assert.True(revoked.IsSuccessStatusCode, $"{(int)revoked.StatusCode}");
        }

        var ended = await SshClients.WaitAsync(session, null, SshClients.Timeout);
        Assert.NotEqual(0, ended.ExitCode);
    }

    [Fact]
    public async Task RevokedToken_Ssh_IsRefusedAndSaysToSignInAgain()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice);
        var token = await fixture.App.CreateTokenAsync(await AccessWorld.EmailAsync(alice), "to revoke");
        using var machine = new SshClients(fixture.App, token);
        var host = await machine.ConfigureAsync(id);
        var logout = await machine.CliAsync("logout");

        var ssh = await machine.SshAsync(host, "--", "true");

        Assert.True(logout.ExitCode == 0, logout.ToString());
        Assert.Equal(255, ssh.ExitCode);
        Assert.Contains("refused the token", ssh.Error, StringComparison.Ordinal);
        Assert.Contains("workspaces login", ssh.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Owner_WorkspaceStopsWhileConnected_SessionEnds()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice);
        using var machine = new SshClients(fixture.App, alice.Token);
        var host = await machine.ConfigureAsync(id);
        using var session = machine.Start("ssh", ["-F", machine.SshConfig, host, "--", "echo connected; exec sleep 300"]);
        Assert.Equal("connected", await ReadLineAsync(session));

        using (var stopped = await alice.PostActionAsync(id, "stop"))
        {
            Assert.Equal(HttpStatusCode.Accepted, stopped.StatusCode);
        }

        var ended = await SshClients.WaitAsync(session, null, SshClients.Timeout);
        Assert.NotEqual(0, ended.ExitCode);
        var afterwards = await machine.CliAsync("ssh", "--stdio", host);
        Assert.Equal(5, afterwards.ExitCode);
        Assert.Contains("is not running", afterwards.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tunnel_TextOrOversizedMessage_ClosesThatTunnelOnly()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice);
        using var machine = new SshClients(fixture.App, alice.Token);
        var host = await machine.ConfigureAsync(id);
        using var healthy = machine.Start("ssh", ["-F", machine.SshConfig, host, "--", "echo connected; read line; echo got-$line"]);
        Assert.Equal("connected", await ReadLineAsync(healthy));

        var oversized = await SendAndReadCloseAsync(alice.Token!, id, new byte[Fixture.MaxMessageBytes + 1], WebSocketMessageType.Binary);
        var text = await SendAndReadCloseAsync(alice.Token!, id, "SSH-2.0-hi\r\n"u8.ToArray(), WebSocketMessageType.Text);
        await healthy.StandardInput.WriteLineAsync("still-here");
        healthy.StandardInput.Close();
        var result = await SshClients.WaitAsync(healthy, null, SshClients.Timeout);

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, oversized);
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, text);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("got-still-here", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tunnels_OverThePerWorkspaceCap_AreRefusedWithTheLimit()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice);
        using var machine = new SshClients(fixture.App, alice.Token);
        var host = await machine.ConfigureAsync(id);
        var sessions = new List<Process>();
        try
        {
            for (var i = 0; i < Fixture.MaxTunnels; i++)
            {
                var session = machine.Start("ssh", ["-F", machine.SshConfig, host, "--", "echo connected; exec sleep 300"]);
                sessions.Add(session);
                Assert.Equal("connected", await ReadLineAsync(session));
            }

            var refused = await machine.CliAsync("ssh", "--stdio", host);

            Assert.Equal(7, refused.ExitCode);
            Assert.Contains($"already has {Fixture.MaxTunnels} open SSH connections", refused.Error, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var session in sessions)
            {
                session.Kill(entireProcessTree: true);
                session.Dispose();
            }
        }
    }

    [Fact]
    public async Task Owner_SshdFrozenWhileTheClientSends_ClientGoneStillClosesTheTunnel()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice);
        using var machine = new SshClients(fixture.App, alice.Token);
        var host = await machine.ConfigureAsync(id);
        var tunnels = fixture.App.Services.GetRequiredService<global::Workspaces.Web.Ssh.SshTunnel>();
        using var session = machine.Start("ssh", ["-F", machine.SshConfig, host, "--", "echo connected; exec cat > /dev/null"]);
        Assert.Equal("connected", await ReadLineAsync(session));
        var sshd = SshdProcessesOf(id);
        Assert.NotEmpty(sshd);
        try
        {
            // A workspace process could stop its sshd (kill -STOP): what the client sends then piles up in front of it.
            Signal(sshd, "STOP");
            var sent = 0L;
            var sending = Task.Run(async () =>
            {
                var chunk = new byte[64 * 1024];
                try
                {
                    while (true)
                    {
                        await session.StandardInput.BaseStream.WriteAsync(chunk);
                        Interlocked.Add(ref sent, chunk.Length);
                    }
                }
                catch (IOException)
                {
                    // ssh is gone.
                }
            });

            // More than sshd's socket holds: the web app's write to it is waiting.
            await Poll.UntilAsync(() => Interlocked.Read(ref sent) >= 1024 * 1024 || sending.IsCompleted, SshClients.Timeout, "1 MB sent towards the frozen sshd");
            session.Kill(entireProcessTree: true);
            await sending;

            // The web app notices the vanished client at its next keepalive ping, even with its write to sshd pending.
            await Poll.UntilAsync(() => tunnels.OpenCount(id) == 0, SshClients.Timeout, "the web app to close the tunnel of the vanished client");
        }
        finally
        {
            Signal(sshd, "CONT");
        }

        var after = await machine.SshAsync(host, "--", "echo still-served");
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Equal("still-served\n", after.Output);
    }

    /// <summary>
    /// The workspace's sshd processes: those its agent started (sshd rewrites its command line, so they are known by
    /// their parent) and what they forked.
    /// </summary>
    private static List<int> SshdProcessesOf(string workspaceId)
    {
        var parents = new Dictionary<int, int>();
        var agents = new HashSet<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), System.Globalization.CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var arguments = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0');
                if (arguments[0].EndsWith("Workspaces.WorkspaceAgent", StringComparison.Ordinal) && arguments.Contains($"--workspace={workspaceId}"))
                {
                    agents.Add(pid);
                }

                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var close = stat.LastIndexOf(')');
                if (stat[(stat.IndexOf('(') + 1)..close] == "sshd")
                {
                    parents[pid] = int.Parse(stat[(close + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
                // It ended meanwhile.
            }
        }

        var found = parents.Keys.Where(pid => agents.Contains(parents[pid])).ToHashSet();
        int added;
        do
        {
            added = 0;
            foreach (var pid in parents.Keys.Where(pid => !found.Contains(pid) && found.Contains(parents[pid])).ToList())
            {
                found.Add(pid);
                added++;
            }
        }
        while (added > 0);

        return [.. found];
    }

    private static void Signal(IEnumerable<int> processes, string signal)
    {
        foreach (var pid in processes)
        {
            using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
    }

    /// <summary>Opens a tunnel by hand, sends one message of the given kind and returns how the server closed it.</summary>
    private async Task<WebSocketCloseStatus?> SendAndReadCloseAsync(string token, string workspaceId, byte[] message, WebSocketMessageType type)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        var address = new UriBuilder(fixture.App.BaseAddress) { Scheme = "ws", Path = SshTunnelProtocol.TunnelPath(workspaceId) }.Uri;
        using var cancel = new CancellationTokenSource(SshClients.Timeout);
        await socket.ConnectAsync(address, cancel.Token);
        await socket.SendAsync(message, type, endOfMessage: true, cancel.Token);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, cancel.Token);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                return socket.CloseStatus;
            }
        }
    }

    private static async Task<string?> ReadLineAsync(Process process)
    {
        using var cancel = new CancellationTokenSource(SshClients.Timeout);
        try
        {
            return await process.StandardOutput.ReadLineAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No line from ssh in time. stderr: {await process.StandardError.ReadToEndAsync()}");
        }
    }

    /// <summary>The clone in the workspace's directory (the one directory not hidden).</summary>
    private string Checkout(string workspaceId) =>
        Directory.EnumerateDirectories(fixture.App.WorkspaceDirectory(workspaceId)).Single(d => !Path.GetFileName(d).StartsWith('.'));

    private async Task<string> ReadyWorkspaceAsync(ApiClient owner)
    {
        var repository = await _repositories.CreateAsync($"ssh-{Guid.NewGuid():N}", new GitRepositoryBuilder().WithFile("README.md", "hello from the workspace\n"));
        var id = (await owner.CreateWorkspaceAsync(repository.FileUrl)).Id;
        await owner.WaitUntilReadyAsync(id);
        return id;
    }

    /// <summary>The app with a small tunnel cap and message limit, so the tests reach them cheaply.</summary>
    public sealed class Fixture : AppFixture
    {
        public const int MaxTunnels = 3;

        public const int MaxMessageBytes = 32 * 1024;

        protected override Task<IReadOnlyDictionary<string, string?>> CreateSettingsAsync() =>
            Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>
            {
                ["Workspaces:Ssh:MaxTunnelsPerWorkspace"] = "3",
                ["Workspaces:Ssh:MaxMessageBytes"] = "32768",
            });
    }
}
