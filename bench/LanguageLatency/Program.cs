// LSP completion latency and language-server memory through the real web app (its own process, Release) and agent.
// The client is bench/language-peer (the npm SignalR client under Node, as the browser's), which also sends the same
// requests to a typescript-language-server it starts itself. Needs typescript-language-server and pyright-langserver
// on PATH (scripts/language-servers-for-tests.sh) and `npm ci` in bench/language-peer.
// Usage: dotnet run -c Release --project bench/LanguageLatency -- [--runs N]
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Workspaces.Shared.Agent;
using Workspaces.TerminalLatency;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Processes;

var runs = 500;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default: Console.Error.WriteLine($"Unknown option {args[i]}"); return 2;
    }
}

// The only setting changed from the defaults: a 20 s idle stop, so the memory after it is seen within the run.
var idleTimeout = TimeSpan.FromSeconds(20);
var webApp = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "WebAppPath").Value!;
var peer = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(webApp)!, "..", "..", "..", "..", "..", "bench", "language-peer", "bench.mjs"));
var root = TempDirectory.Create("language-bench");
try
{
    var data = Directory.CreateDirectory(root.Combine("data")).FullName;
    using var repositories = new GitRepositoryFixture();
    var repository = await repositories.CreateAsync("bench/languages", new GitRepositoryBuilder()
        .WithFile("src/util.ts", "export function add(a: number, b: number): number {\n  return a + b;\n}\n")
        .WithFile("src/main.ts", "import { add } from './util';\n\nconst greeting = `sum ${add(1, 2)}`;\ngreeting.\n")
        .WithFile("tool.py", "def greet(name: str) -> str:\n    return 'hello ' + name\n"));
    await using var web = await ServerProcess.StartAsync(
        "dotnet",
        [webApp, "--urls", "http://127.0.0.1:{port}", $"--Workspaces:DataDirectory={data}", $"--Workspaces:Languages:IdleTimeout={idleTimeout:c}"],
        Path.GetDirectoryName(webApp)!,
        root.Combine("web.log"),
        "/alive",
        [],
        CancellationToken.None);
    using var api = new WorkspacesApi(web.BaseUrl);
    await api.SignInAsync("bench@example.com", "correct horse battery staple", CancellationToken.None);
    var id = await api.CreateReadyWorkspaceAsync(repository.FileUrl, CancellationToken.None);
    var workspace = Path.Combine(data, "workspaces", id);
    // The host's pid: a sandboxed agent's own agent.json holds its pid inside its PID namespace.
    var agentPid = AgentPids.HostPid(data, id) ?? throw new InvalidOperationException($"Workspace {id} has no agent.");

    var node = Process.Start(new ProcessStartInfo("node")
    {
        ArgumentList =
        {
            peer, "--url", new Uri(web.BaseUrl, $"workspaces/{id}/agent/hubs/languages").AbsoluteUri, "--token", api.Token,
            "--root", Path.Combine(workspace, "languages"), "--agent-pid", agentPid.ToString(CultureInfo.InvariantCulture),
            "--runs", runs.ToString(CultureInfo.InvariantCulture), "--idle-timeout-ms", ((int)idleTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        },
        RedirectStandardOutput = true,
    })!;
    var result = await node.StandardOutput.ReadToEndAsync();
    await node.WaitForExitAsync();
    Console.WriteLine(result);
    await api.DeleteWorkspaceAsync(id, CancellationToken.None);
    return node.ExitCode;
}
finally
{
    root.Dispose();
}
