using System.Globalization;
using System.Net;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Previews;
using Workspaces.TestSupport.Processes;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Tests.Infrastructure;
using Workspaces.Web.Tests.Previews;

namespace Workspaces.Web.Tests.Workspaces;

/// <summary>
/// Two workspaces of the default (sandboxed) local runtime on one machine. A task in workspace A tries, as a hostile user
/// would, to read the service's database (which holds the Data Protection key ring), list the data directory, read
/// workspace B's files, kill B's dev server, and connect to B's dev server and the web app on loopback; every attempt
/// fails, while both workspaces serve the same port, each its own preview, found by each agent's port detection.
/// </summary>
public sealed class SandboxIsolationTests(AppFixture fixture) : IClassFixture<AppFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly GitRepositoryFixture _repositories = new();
    private readonly PreviewBrowser _browser = new(fixture.App);

    public void Dispose()
    {
        _browser.Dispose();
        _repositories.Dispose();
    }

    /// <summary>Run by workspace A: every attempt prints "&lt;what&gt;: succeeded" or "&lt;what&gt;: failed (&lt;why&gt;)".</summary>
    private const string Probe = """
        import os, signal, socket, struct, time, urllib.request
        while not os.path.exists('go'):
            time.sleep(0.1)
        cfg = dict(line.strip().split('=', 1) for line in open('go') if '=' in line)
        results = []
        def attempt(name, action):
            try:
                action()
                results.append(name + ': succeeded')
            except Exception as e:
                results.append(name + ': failed (' + type(e).__name__ + ')')
        def connect(host, port):
            socket.create_connection((host, int(port)), timeout=3).close()
        def gateway():
            for line in open('/proc/net/route').read().splitlines()[1:]:
                fields = line.split()
                if fields[1] == '00000000':
                    return socket.inet_ntoa(struct.pack('<L', int(fields[2], 16)))
            raise OSError('no default route')
        attempt('read the database', lambda: open(cfg['database'], 'rb').read(16))
        def list_data():
            # The path down to its own workspace exists inside; anything else of the data directory is a leak.
            others = [n for n in os.listdir(cfg['data']) if not (cfg['own'] + '/').startswith(os.path.join(cfg['data'], n) + '/')]
            if not others:
                raise FileNotFoundError('nothing but the path to its own workspace')
        attempt('list the data directory', list_data)
        attempt('list workspace B', lambda: os.listdir(cfg['other']))
        attempt('read a file of workspace B', lambda: open(cfg['otherfile']).read())
        attempt('kill the dev server of workspace B', lambda: os.kill(int(cfg['otherpid']), signal.SIGKILL))
        attempt('connect to the dev server of workspace B', lambda: connect('127.0.0.1', cfg['otherport']))
        attempt('connect to the web app on loopback', lambda: connect('127.0.0.1', cfg['webport']))
        attempt('connect to the web app through the gateway', lambda: connect(gateway(), cfg['webport']))
        try:
            own = urllib.request.urlopen('http://127.0.0.1:' + cfg['sharedport'] + '/name.txt', timeout=30).read().decode().strip()
        except Exception as e:
            own = 'unreachable (' + type(e).__name__ + ')'
        results.append('own server on the shared port: ' + own)
        open('probe.tmp', 'w').write('\n'.join(results) + '\n')
        os.rename('probe.tmp', 'probe.out')
        """;

    [Fact]
    public async Task TaskInWorkspace_AttacksTheServiceAndAnotherWorkspace_FailsEveryTimeWhilePreviewsWork()
    {
        var shared = PreviewServer.FreePort();
        var onlyB = PreviewServer.FreePort();
        var owner = fixture.Admin;
        var b = await StartAsync(owner, "sandbox-b", "B", $"  - command: exec python3 -m http.server {shared} --bind 127.0.0.1\n  - command: echo $$ > b.pid; exec python3 -m http.server {onlyB} --bind 127.0.0.1\n", [shared, onlyB]);
        var a = await StartAsync(owner, "sandbox-a", "A", $"  - command: exec python3 -m http.server {shared} --bind 127.0.0.1\n  - command: exec python3 probe.py\n", [shared], ("probe.py", Probe));
        var bServer = await fixture.App.ReadPidFileAsync(b, "sandbox-b/b.pid");
        Assert.True(SandboxPids.IsInOtherNamespace(bServer), "B's dev server runs in a sandbox");

        var database = Path.Combine(fixture.App.DataDirectory, "workspaces.db");
        var secret = Path.Combine(fixture.App.WorkspaceDirectory(b), "sandbox-b", "name.txt");
        Assert.True(File.Exists(database) && File.Exists(secret), "what A goes after exists");
        // Written aside and renamed: the probe starts as soon as "go" exists, and must never read half of it.
        var go = Path.Combine(fixture.App.WorkspaceDirectory(a), "sandbox-a", "go");
        await File.WriteAllTextAsync(go + ".tmp", string.Join('\n',
            $"database={database}",
            $"data={fixture.App.DataDirectory}",
            $"own={fixture.App.WorkspaceDirectory(a)}",
            $"other={fixture.App.WorkspaceDirectory(b)}",
            $"otherfile={secret}",
            $"otherpid={bServer}",
            $"otherport={onlyB}",
            $"webport={fixture.App.BaseAddress.Port}",
            $"sharedport={shared}",
            ""));
        File.Move(go + ".tmp", go);

        var output = Path.Combine(fixture.App.WorkspaceDirectory(a), "sandbox-a", "probe.out");
        await Poll.UntilAsync(() => File.Exists(output), Timeout, "workspace A's attempts to finish");
        var results = await File.ReadAllLinesAsync(output);

        Assert.True(results.Count(r => r.Contains(": failed (", StringComparison.Ordinal)) == 8, "every attack fails:\n" + string.Join('\n', results));
        Assert.DoesNotContain(results, r => r.EndsWith(": succeeded", StringComparison.Ordinal));
        Assert.Contains("own server on the shared port: A", results);
        Assert.True(ProcessProbe.IsAlive(bServer), "B's dev server survived");

        // Each workspace's preview of the shared port is its own, reached through its agent.
        Assert.Equal("A", await PreviewTextAsync(a, shared));
        Assert.Equal("B", await PreviewTextAsync(b, shared));
        Assert.Equal("B", await PreviewTextAsync(b, onlyB));
    }

    private async Task<string> PreviewTextAsync(string workspaceId, int port)
    {
        using var response = await _browser.GetAsync(_browser.Url(workspaceId, port, "/name.txt"), html: false);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsStringAsync()).Trim();
    }

    private async Task<string> StartAsync(ApiClient owner, string name, string label, string tasks, int[] publicPorts, params (string Path, string Content)[] files)
    {
        var ports = string.Concat(publicPorts.Select(p => string.Create(CultureInfo.InvariantCulture, $"  - port: {p}\n    visibility: public\n")));
        var builder = new GitRepositoryBuilder()
            .WithFile("name.txt", label + "\n")
            .WithFile(".gitpod.yml", $"tasks:\n{tasks}ports:\n{ports}");
        foreach (var (path, content) in files)
        {
            builder = builder.WithFile(path, content);
        }

        var repository = await _repositories.CreateAsync(name, builder);
        var id = (await owner.CreateWorkspaceAsync(repository.FileUrl)).Id;
        await owner.WaitUntilReadyAsync(id);
        foreach (var port in publicPorts)
        {
            await owner.WaitUntilPortListensAsync(id, port, Timeout);
        }

        return id;
    }
}
