using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;

namespace Workspaces.Bench.PreviewProxy;

/// <param name="Isolation">The web app's <c>Workspaces:Isolation</c>; null for its default (sandboxed where the machine allows).</param>
internal sealed record HarnessOptions(int Connections, int Threads, int Seconds, int Rounds, int WebSocketRoundTrips, string? OutputFile, string WebAppPath, string? Isolation = null)
{
    public static HarnessOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i]] = args[i + 1];
        }

        int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var web = values.GetValueOrDefault("--web")
            ?? typeof(Harness).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "WebAppPath").Value!;
        return new HarnessOptions(Int("--connections", 64), Int("--threads", 2), Int("--seconds", 10), Int("--rounds", 2), Int("--ws-round-trips", 2000), values.GetValueOrDefault("--output"), web, values.GetValueOrDefault("--isolation"));
    }
}

/// <summary>
/// One run, side by side: the upstream directly, through the preview proxy of the real web app (Release, its own
/// process, a real workspace whose tasks run the upstreams, ports made public), and through nginx as a tuned reverse
/// proxy (upstream keep-alive) in front of the same upstreams. The HTTP upstream is nginx serving a 1 KiB file (so the
/// proxy's own cost dominates), the WebSocket upstream a Kestrel echo. wrk measures HTTP (64 connections for
/// throughput and CPU per request, 1 and 8 for latency); a WebSocket client measures echo round trips.
/// </summary>
internal sealed partial class Harness(HarnessOptions options, TextWriter log) : IAsyncDisposable
{
    private readonly TempDirectory _root = TempDirectory.Create("preview-bench");
    private readonly List<Process> _processes = [];

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var loadBefore = await File.ReadAllTextAsync("/proc/loadavg", cancellationToken);
        // Direct and nginx reach a copy of the upstream on the host; the preview proxy the workspace's own, which its task
        // starts (a sandboxed workspace's loopback is its own).
        var upstreamPort = FreePort();
        var echoPort = FreePort();
        var workspacePort = FreePort();
        var workspaceEchoPort = FreePort();
        var webPort = FreePort();
        var upstreamDll = typeof(Harness).Assembly.Location;
        var nginxBinary = Which("nginx");
        var hostUpstream = _root.Combine("upstream");
        Directory.CreateDirectory(hostUpstream);
        await WriteUpstreamFilesAsync(hostUpstream, upstreamPort, cancellationToken);
        Start(nginxBinary, ["-p", hostUpstream + "/", "-c", UpstreamConfigName, "-e", "stderr", "-g", "daemon off;"], "upstream.log");
        Start("dotnet", [upstreamDll, "--upstream", echoPort.ToString(CultureInfo.InvariantCulture)], "echo.log");
        var nginxPort = FreePort();

        log.WriteLine($"Starting the web app on {webPort} ...");
        string[] webArguments = [options.WebAppPath, "--urls", $"http://127.0.0.1:{webPort}", $"--Workspaces:DataDirectory={_root.Combine("data")}"];
        if (options.Isolation is { } isolation)
        {
            webArguments = [.. webArguments, $"--Workspaces:Isolation={isolation}"];
        }

        // The upstream program is shown to sandboxed workspaces read-only, as an administrator adds a toolchain directory.
        webArguments = [.. webArguments, $"--Workspaces:Sandbox:ReadOnlyPaths:0={Path.GetDirectoryName(upstreamDll)}"];
        // From its own directory, as its image runs it (WORKDIR /app): the content root, where its appsettings.json is.
        // Elsewhere it would run without the shipped settings (every request logged at Information).
        var webProcess = Start("dotnet", webArguments, "web.log", Path.GetDirectoryName(options.WebAppPath));
        var web = new Uri($"http://127.0.0.1:{webPort}/");
        using var http = new HttpClient { BaseAddress = web };
        await WaitAsync(async () => (await http.GetAsync(new Uri("/alive", UriKind.Relative), cancellationToken)).IsSuccessStatusCode, "the web app", cancellationToken);
        (await http.PostAsJsonAsync("/api/setup", new { email = "bench@example.com", password = "correct horse battery" }, cancellationToken)).EnsureSuccessStatusCode();
        var tokenResponse = await http.PostAsJsonAsync("/api/auth/tokens", new { email = "bench@example.com", password = "correct horse battery", name = "bench" }, cancellationToken);
        var token = (await tokenResponse.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("value").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        // The workspace's upstreams: the same nginx configuration and file from the checkout (paths relative to it, since a
        // sandbox shows the checkout elsewhere), and the echo.
        var files = _root.Combine("repo-files");
        Directory.CreateDirectory(files);
        await WriteUpstreamFilesAsync(files, workspacePort, cancellationToken);
        var repository = await new GitRepositoryBuilder()
            .WithFile(UpstreamConfigName, await File.ReadAllTextAsync(Path.Combine(files, UpstreamConfigName), cancellationToken))
            .WithFile("html/index.html", await File.ReadAllTextAsync(Path.Combine(files, "html", "index.html"), cancellationToken))
            .WithFile(".gitpod.yml", $"tasks:\n  - name: upstream\n    command: mkdir -p upstream-run && exec {nginxBinary} -p \"$PWD/\" -c {UpstreamConfigName} -e stderr -g 'daemon off;'\n  - name: echo\n    command: exec dotnet {upstreamDll} --upstream {workspaceEchoPort}\nports:\n  - port: {workspacePort}\n    visibility: public\n  - port: {workspaceEchoPort}\n    visibility: public\n")
            .BuildAsync(_root.Combine("repo"), cancellationToken);
        var created = await (await http.PostAsJsonAsync("/api/workspaces", new { repositoryUrl = repository.FileUrl }, cancellationToken)).Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var id = created.GetProperty("id").GetString()!;
        log.WriteLine($"Workspace {id}: waiting for ports {workspacePort} and {workspaceEchoPort} ...");
        await WaitAsync(
            async () => (await http.GetFromJsonAsync<JsonElement>($"/api/workspaces/{id}/ports", cancellationToken)).EnumerateArray()
                .Count(p => p.GetProperty("port").GetInt32() is var port && (port == workspacePort || port == workspaceEchoPort) && p.GetProperty("listening").GetBoolean()) == 2,
            "the upstreams' ports",
            cancellationToken);

        // Read now: deleting the workspace removes its runtime record.
        var sandboxed = File.Exists(_root.Combine("data", "workspaces", id + ".sandbox.json"));
        var previewHost = $"{workspacePort}-{id}.localhost:{webPort}";
        var previewEchoHost = $"{workspaceEchoPort}-{id}.localhost:{webPort}";
        var nginx = StartNginx(upstreamPort, echoPort, nginxPort);
        await WaitAsync(async () => (await new HttpClient().GetAsync(new Uri($"http://127.0.0.1:{nginxPort}/"), cancellationToken)).IsSuccessStatusCode, "nginx", cancellationToken);

        // The proxies' own CPU time per request: unlike requests/s it hardly depends on what else the machine runs.
        var targets = new (string Name, string Url, string? Host, Func<int[]> Pids)[]
        {
            ("direct", $"http://127.0.0.1:{upstreamPort}/", null, () => []),
            ("preview proxy (YARP)", $"http://127.0.0.1:{webPort}/", previewHost, () => [webProcess.Id]),
            ("nginx", $"http://127.0.0.1:{nginxPort}/", null, () => [nginx.Id, .. ChildrenOf(nginx.Id)]),
        };
        var echoTargets = new (string Name, string Url, string? Host)[]
        {
            ("direct", $"http://127.0.0.1:{echoPort}/", null),
            ("preview proxy (YARP)", $"http://127.0.0.1:{webPort}/", previewEchoHost),
            ("nginx", $"http://127.0.0.1:{nginxPort}/", null),
        };

        // Warm-up: JIT, connection pools, tiered compilation of the proxy path.
        foreach (var target in targets)
        {
            await WrkAsync(target.Url, target.Host, 5, cancellationToken);
        }

        // Latency at low concurrency, where the proxy's own path (not the machine's CPU) sets it.
        var latencies = new List<(string Name, int Connections, WrkResult Result)>();
        foreach (var connections in new[] { 1, 8 })
        {
            foreach (var target in targets)
            {
                log.WriteLine($"wrk latency, {connections} connection(s): {target.Name} ...");
                latencies.Add((target.Name, connections, await WrkAsync(target.Url, target.Host, options.Seconds, cancellationToken, connections)));
            }
        }

        var results = new List<(string Name, int Round, WrkResult Result)>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            foreach (var target in targets)
            {
                log.WriteLine($"wrk round {round}: {target.Name} ...");
                var pids = target.Pids();
                var cpuBefore = CpuSeconds(pids);
                var result = await WrkAsync(target.Url, target.Host, options.Seconds, cancellationToken);
                var cpu = CpuSeconds(pids) - cpuBefore;
                results.Add((target.Name, round, result with { CpuUsPerRequest = pids.Length == 0 ? null : cpu * 1e6 / result.Requests }));
            }
        }

        var echoes = new List<(string Name, EchoResult Result)>();
        foreach (var (name, url, host) in echoTargets)
        {
            log.WriteLine($"WebSocket echo: {name} ...");
            echoes.Add((name, await EchoAsync(new Uri(url), host, cancellationToken)));
        }

        var loadAfter = await File.ReadAllTextAsync("/proc/loadavg", cancellationToken);

        // Agents outlive the web app by design: delete the workspace (its agent and the upstream) before stopping it.
        (await http.DeleteAsync(new Uri($"/api/workspaces/{id}", UriKind.Relative), cancellationToken)).EnsureSuccessStatusCode();
        await WaitAsync(async () => (await http.GetAsync(new Uri($"/api/workspaces/{id}", UriKind.Relative), cancellationToken)).StatusCode == HttpStatusCode.NotFound, "the workspace to be deleted", cancellationToken);
        return Report(results, latencies, echoes, loadBefore.Trim(), loadAfter.Trim(), sandboxed);
    }

    private string Report(List<(string Name, int Round, WrkResult Result)> results, List<(string Name, int Connections, WrkResult Result)> latencies, List<(string Name, EchoResult Result)> echoes, string loadBefore, string loadAfter, bool sandboxed)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"wrk -t{options.Threads} -c{options.Connections} -d{options.Seconds}s --latency, {options.Rounds} rounds (interleaved), a 1 KiB file served by nginx; {Environment.ProcessorCount} cores; load average before: {loadBefore}; after: {loadAfter}; workspace {(sandboxed ? "sandboxed (bubblewrap + pasta)" : "not sandboxed")}");
        text.AppendLine();
        text.AppendLine("| path | round | requests/s | p50 | p99 | proxy CPU per request |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (var (name, round, r) in results)
        {
            var cpu = r.CpuUsPerRequest is { } us ? $"{us:0.0} µs" : "–";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {round} | {r.RequestsPerSecond:0} | {r.P50Ms:0.00} ms | {r.P99Ms:0.00} ms | {cpu} |");
        }

        text.AppendLine();
        double Best(string name, Func<WrkResult, double> pick, bool max) =>
            max ? results.Where(r => r.Name == name).Max(r => pick(r.Result)) : results.Where(r => r.Name == name).Min(r => pick(r.Result));
        var proxyRps = Best("preview proxy (YARP)", r => r.RequestsPerSecond, true);
        var nginxRps = Best("nginx", r => r.RequestsPerSecond, true);
        var directP99 = Best("direct", r => r.P99Ms, false);
        var proxyP99 = Best("preview proxy (YARP)", r => r.P99Ms, false);
        var nginxP99 = Best("nginx", r => r.P99Ms, false);
        text.AppendLine(CultureInfo.InvariantCulture, $"Best of rounds: preview proxy / nginx requests/s = {proxyRps / nginxRps:0.00}× (target ≥ 0.8×); p99 overhead over direct: preview proxy {proxyP99 - directP99:0.00} ms, nginx {nginxP99 - directP99:0.00} ms.");
        var proxyCpu = Best("preview proxy (YARP)", r => r.CpuUsPerRequest ?? 0, false);
        var nginxCpu = Best("nginx", r => r.CpuUsPerRequest ?? 0, false);
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"CPU time per request (user + system, lowest of rounds): preview proxy {proxyCpu:0.0} µs, nginx {nginxCpu:0.0} µs ({proxyCpu / nginxCpu:0.00}×; target ≤ 1.25×).");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Latency at low concurrency (wrk -t1, {options.Seconds} s each); overhead = p50 minus direct's p50 (target: the proxy's within 100 µs of nginx's):");
        text.AppendLine();
        text.AppendLine("| connections | path | requests/s | p50 | p99 | p50 overhead |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (var (name, connections, r) in latencies)
        {
            var direct = latencies.First(l => l.Connections == connections && l.Name == "direct").Result.P50Ms;
            var overhead = name == "direct" ? "–" : string.Create(CultureInfo.InvariantCulture, $"{(r.P50Ms - direct) * 1000:0} µs");
            text.AppendLine(CultureInfo.InvariantCulture, $"| {connections} | {name} | {r.RequestsPerSecond:0} | {r.P50Ms * 1000:0} µs | {r.P99Ms * 1000:0} µs | {overhead} |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"WebSocket echo, one connection, {options.WebSocketRoundTrips} sequential round trips of 32 bytes (after 200 warm-up):");
        text.AppendLine();
        text.AppendLine("| path | messages/s | p50 | p99 | mean |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (var (name, e) in echoes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {1e6 / e.MeanUs:0} | {e.P50Us:0} µs | {e.P99Us:0} µs | {e.MeanUs:0} µs |");
        }

        return text.ToString();
    }

    private async Task<WrkResult> WrkAsync(string url, string? host, int seconds, CancellationToken cancellationToken, int? connections = null)
    {
        var arguments = new List<string> { connections is null ? $"-t{options.Threads}" : "-t1", $"-c{connections ?? options.Connections}", $"-d{seconds}s", "--latency" };
        if (host is not null)
        {
            arguments.AddRange(["-H", $"Host: {host}"]);
        }

        arguments.Add(url);
        var start = new ProcessStartInfo("wrk", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start (apt-get install wrk).");
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var rps = double.Parse(RequestsPerSecond().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        if (NonSuccess().Match(output) is { Success: true } errors)
        {
            throw new InvalidOperationException($"wrk saw non-2xx answers from {url}: {errors.Value}\n{output}");
        }

        var requests = long.Parse(TotalRequests().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        return new WrkResult(rps, Percentile(output, "50"), Percentile(output, "99"), requests);
    }

    private static double Percentile(string output, string percent)
    {
        var match = Regex.Match(output, $@"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "us" => value / 1000,
            "s" => value * 1000,
            _ => value,
        };
    }

    private async Task<EchoResult> EchoAsync(Uri url, string? host, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(IPAddress.Loopback, url.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var invoker = new HttpMessageInvoker(handler);
        using var socket = new ClientWebSocket();
        var target = new Uri($"ws://{host ?? url.Authority}/ws");
        await socket.ConnectAsync(target, invoker, cancellationToken);
        var payload = Encoding.ASCII.GetBytes(new string('x', 32));
        var buffer = new byte[256];
        var samples = new List<double>();
        for (var i = 0; i < options.WebSocketRoundTrips + 200; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await socket.SendAsync(payload, WebSocketMessageType.Binary, true, cancellationToken);
            var received = await socket.ReceiveAsync(buffer, cancellationToken);
            if (received.Count != payload.Length)
            {
                throw new InvalidOperationException("Short echo.");
            }

            if (i >= 200)
            {
                samples.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
            }
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
        samples.Sort();
        return new EchoResult(samples[samples.Count / 2], samples[(int)(samples.Count * 0.99)], samples.Average());
    }

    /// <summary>User + system CPU seconds the processes have used so far (<c>/proc/{pid}/stat</c>, fields 14 and 15).</summary>
    private static double CpuSeconds(int[] pids)
    {
        const double ticksPerSecond = 100; // USER_HZ on Linux
        long ticks = 0;
        foreach (var pid in pids)
        {
            var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }

        return ticks / ticksPerSecond;
    }

    private static int[] ChildrenOf(int parent) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ParentOf(pid) == parent)];

    private static int ParentOf(int pid)
    {
        try
        {
            return int.Parse(File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private const string UpstreamConfigName = "upstream-nginx.conf";

    /// <summary>nginx as the app: one worker (nginx's default) serving a 1 KiB file, every path relative to its prefix.</summary>
    private static async Task WriteUpstreamFilesAsync(string directory, int port, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(directory, "html"));
        Directory.CreateDirectory(Path.Combine(directory, "upstream-run"));
        var line = new string('x', 63) + "\n";
        await File.WriteAllTextAsync(Path.Combine(directory, "html", "index.html"), string.Concat(Enumerable.Repeat(line, 16)), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, UpstreamConfigName), $$"""
            worker_processes 1;
            pid upstream-run/nginx.pid;
            error_log stderr warn;
            events { worker_connections 4096; }
            http {
              access_log off;
              client_body_temp_path upstream-run/body; proxy_temp_path upstream-run/proxy;
              fastcgi_temp_path upstream-run/fastcgi; uwsgi_temp_path upstream-run/uwsgi; scgi_temp_path upstream-run/scgi;
              server {
                listen 127.0.0.1:{{port}} backlog=4096;
                keepalive_requests 100000;
                root html;
                default_type text/html;
              }
            }
            """, cancellationToken);
    }

    private static string Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{program} is not installed (apt-get install {program}).");

    private Process StartNginx(int upstreamPort, int echoPort, int nginxPort)
    {
        var prefix = _root.Combine("nginx");
        Directory.CreateDirectory(prefix);
        var config = Path.Combine(prefix, "nginx.conf");
        File.WriteAllText(config, $$"""
            worker_processes auto;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/error.log warn;
            events { worker_connections 4096; multi_accept on; }
            http {
              access_log off;
              client_body_temp_path {{prefix}}/body; proxy_temp_path {{prefix}}/proxy;
              fastcgi_temp_path {{prefix}}/fastcgi; uwsgi_temp_path {{prefix}}/uwsgi; scgi_temp_path {{prefix}}/scgi;
              upstream app { server 127.0.0.1:{{upstreamPort}}; keepalive 128; keepalive_requests 100000; }
              upstream echo { server 127.0.0.1:{{echoPort}}; }
              map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
              server {
                listen 127.0.0.1:{{nginxPort}} reuseport backlog=4096;
                keepalive_requests 100000;
                location /ws {
                  proxy_pass http://echo;
                  proxy_http_version 1.1;
                  proxy_set_header Host $host;
                  proxy_set_header Upgrade $http_upgrade;
                  proxy_set_header Connection $connection_upgrade;
                }
                location / {
                  proxy_pass http://app;
                  proxy_http_version 1.1;
                  proxy_set_header Host $host;
                  proxy_set_header Upgrade $http_upgrade;
                  proxy_set_header Connection $connection_upgrade;
                  proxy_set_header X-Forwarded-For $remote_addr;
                  proxy_set_header X-Forwarded-Proto $scheme;
                  proxy_set_header X-Forwarded-Host $host;
                }
              }
            }
            """);
        return Start("nginx", ["-p", prefix, "-c", config, "-g", "daemon off;"], "nginx.log");
    }

    private Process Start(string file, IEnumerable<string> arguments, string logName, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? "" };
        foreach (var name in new[] { "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_HTTP_PORTS" })
        {
            start.Environment.Remove(name);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var logFile = new StreamWriter(_root.Combine(logName)) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (logFile) { logFile.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (logFile) { logFile.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
        return process;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 120);
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not up yet.
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            try
            {
                // SIGTERM: the web app stops its agents (and so the upstream), nginx exits.
                Workspaces.TestSupport.Processes.ProcessSignals.Send(process.Id, Workspaces.TestSupport.Processes.ProcessSignals.SigTerm);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }

        _root.Dispose();
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Non-2xx or 3xx responses: \d+")]
    private static partial Regex NonSuccess();

    [GeneratedRegex(@"(\d+) requests in ")]
    private static partial Regex TotalRequests();

    private sealed record WrkResult(double RequestsPerSecond, double P50Ms, double P99Ms, long Requests, double? CpuUsPerRequest = null);

    private sealed record EchoResult(double P50Us, double P99Us, double MeanUs);
}
