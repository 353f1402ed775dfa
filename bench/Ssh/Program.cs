using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;

// dotnet run -c Release --project bench/Ssh [-- --megabytes 200 --echoes 500 --connects 10 --warmup-megabytes 50 --cli path]
// The web app (its own process, default settings), a real workspace of the local runtime, the CLI's ProxyCommand
// written by `workspaces config-ssh`, and the same sshd binary and config started directly on a loopback port.
var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal) && p.i + 1 < args.Length)
    .ToDictionary(p => p.a, p => args[p.i + 1], StringComparer.Ordinal);
int Int(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
var megabytes = Int("--megabytes", 200);

// A server that has carried SSH before has compiled its relay's code to its final tier; a just-started one spends half
// its CPU in the JIT during the first transfer. One unmeasured transfer each way, on both paths, before the measured ones.
var warmupMegabytes = Int("--warmup-megabytes", 50);
var echoes = Int("--echoes", 500);
var connects = Int("--connects", 10);
string Metadata(string key) => typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == key).Value!;

// The native CLI as `dotnet tool install` installs it (CopyCli.targets); --cli runs another build of it (e.g. a JIT one
// from `dotnet build src/Cli`, or an installed tool) for a before/after comparison.
var cli = options.TryGetValue("--cli", out var cliOption) ? Path.GetFullPath(cliOption) : Metadata("CliPath");

using var root = TempDirectory.Create("ssh-bench");
var processes = new List<Process>();
try
{
    var webPort = FreePort();
    Console.Error.WriteLine($"Starting the web app on {webPort} ...");
    processes.Add(Start("dotnet", [Metadata("WebAppPath"), "--urls", $"http://127.0.0.1:{webPort}", $"--Workspaces:DataDirectory={root.Combine("data")}"], null));
    var web = new Uri($"http://127.0.0.1:{webPort}/");
    using var http = new HttpClient { BaseAddress = web };
    await WaitAsync(async () => (await http.GetAsync(new Uri("/alive", UriKind.Relative))).IsSuccessStatusCode, "the web app");
    (await http.PostAsJsonAsync("/api/setup", new { email = "bench@example.com", password = "correct horse battery" })).EnsureSuccessStatusCode();
    var tokenAnswer = await (await http.PostAsJsonAsync("/api/auth/tokens", new { email = "bench@example.com", password = "correct horse battery", name = "bench" })).Content.ReadFromJsonAsync<JsonElement>();
    var token = tokenAnswer.GetProperty("value").GetString()!;
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    var repository = await new GitRepositoryBuilder().WithFile("README.md", "bench\n").BuildAsync(root.Combine("repo"), CancellationToken.None);
    var id = (await (await http.PostAsJsonAsync("/api/workspaces", new { repositoryUrl = repository.FileUrl })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    await WaitAsync(async () => (await http.GetFromJsonAsync<JsonElement>($"/api/workspaces/{id}")).GetProperty("workspace").GetProperty("phase").GetString() == "Ready", "the workspace");

    var environment = new Dictionary<string, string> { ["WORKSPACES_URL"] = web.AbsoluteUri, ["WORKSPACES_TOKEN"] = token, ["WORKSPACES_CONFIG_DIR"] = root.Combine("cli") };
    var sshConfig = root.Combine("ssh_config");
    await RunAsync(cli, ["config-ssh", "--ssh-config", sshConfig], environment);
    var tunnelHost = $"workspaces.{id}";

    // The same sshd, config and host key the agent uses, listening on loopback, with the CLI's key authorized; on the host
    // (a sandboxed workspace's sshd is not reachable from it), so as this machine's user rather than the workspace's.
    var stateSsh = Path.Combine(root.Combine("data"), "workspaces", id, ".workspace", "ssh");
    var directPort = FreePort();
    var authorized = root.Combine("authorized_keys");
    await File.WriteAllTextAsync(authorized, await File.ReadAllTextAsync(Path.Combine(root.Combine("cli"), "ssh", "id_ed25519.pub")));
    if (Environment.UserName == "root")
    {
        // sshd started by root wants its privilege separation directory; a sandboxed agent makes it only inside its sandbox.
        Directory.CreateDirectory("/run/sshd");
    }

    processes.Add(Start("/usr/sbin/sshd", ["-D", "-e", "-p", directPort.ToString(CultureInfo.InvariantCulture), "-o", "ListenAddress=127.0.0.1", "-f", Path.Combine(stateSsh, "sshd_config"), "-o", $"AuthorizedKeysFile={authorized}", "-o", $"AllowUsers={Environment.UserName}", "-o", "PermitRootLogin=prohibit-password"], null));
    await File.AppendAllTextAsync(sshConfig, $"\nHost direct\n  HostName 127.0.0.1\n  Port {directPort}\n  User {Environment.UserName}\n  IdentityFile {Path.Combine(root.Combine("cli"), "ssh", "id_ed25519")}\n  IdentitiesOnly yes\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n");
    await WaitAsync(async () => (await RunAsync("ssh", ["-F", sshConfig, "direct", "--", "true"], environment, check: false)) == 0, "the direct sshd");

    var file = root.Combine("payload.bin");
    await File.WriteAllBytesAsync(file, RandomNumberGenerator.GetBytes(megabytes * 1024 * 1024));
    var warmup = root.Combine("warmup.bin");
    await File.WriteAllBytesAsync(warmup, RandomNumberGenerator.GetBytes(warmupMegabytes * 1024 * 1024));
    // The CLI's own CPU: the measured runs use a copy of the config whose ProxyCommand and Match exec run the CLI under
    // GNU time (a line of user,system seconds per start; ssh expands % in both, hence %%). ssh ends its ProxyCommand
    // with SIGHUP and never waits for it, so its CPU reaches no parent's account: under nohup it instead finishes when
    // ssh closes the pipe, and time records it. The Match exec checks are waited for by ssh and are in the client's CPU.
    var proxyTimes = root.Combine("cli-proxy-times");
    var checkTimes = root.Combine("cli-check-times");
    var measuredConfig = root.Combine("ssh_config_measured");
    var timed = File.Exists("/usr/bin/time") && File.Exists("/usr/bin/nohup");
    await File.WriteAllLinesAsync(measuredConfig, (await File.ReadAllLinesAsync(sshConfig)).Select(line => !timed ? line
        : line.StartsWith("  ProxyCommand ", StringComparison.Ordinal) ? line.Replace("  ProxyCommand ", $"  ProxyCommand /usr/bin/nohup /usr/bin/time -a -o {proxyTimes} -f %%U,%%S ", StringComparison.Ordinal)
        : line.StartsWith("Match host ", StringComparison.Ordinal) ? line.Replace(" exec \"", $" exec \"/usr/bin/time -a -o {checkTimes} -f %%U,%%S ", StringComparison.Ordinal)
        : line));
    var load = (await File.ReadAllTextAsync("/proc/loadavg")).Trim();
    Console.WriteLine($"# SSH through the tunnel vs the same sshd directly ({megabytes} MB scp after a {warmupMegabytes} MB one, {echoes} echoes, {connects} connects; CLI: {cli}); load before: {load}");
    foreach (var (name, host) in new[] { ("direct", "direct"), ("tunnel", tunnelHost) })
    {
        await RunAsync("ssh", ["-F", sshConfig, host, "--", "true"], environment);
        if (warmupMegabytes > 0)
        {
            await RunTimedAsync($"scp -F '{sshConfig}' -q '{warmup}' '{host}:/tmp/ssh-bench-warmup-{name}.bin'", environment);
            await RunTimedAsync($"scp -F '{sshConfig}' -q '{host}:/tmp/ssh-bench-warmup-{name}.bin' '{root.Combine($"warmup-back-{name}.bin")}'", environment);
            await RunAsync("ssh", ["-F", sshConfig, host, "--", $"rm -f /tmp/ssh-bench-warmup-{name}.bin"], environment);
        }

        // Where the CPU goes (seconds per run, summed over both directions): the client side (scp, ssh and, through the
        // tunnel, the CLI's ProxyCommand), the web app, the agent's own relaying, and the sshd sessions (reaped by the
        // agent, or by the direct sshd). CPU time moves much less than throughput with the machine's load.
        var servers = name == "direct" ? new[] { ("sshd", processes[1].Id, Children: true) } : [("web", processes[0].Id, Children: false), ("agent", AgentProcessId(id), Children: false), ("sshd", AgentProcessId(id), Children: true)];
        var before = servers.Select(s => CpuSeconds(s.Item2, s.Children)).ToArray();
        var jitBefore = name == "direct" ? 0 : JitSeconds(processes[0].Id);
        var clientCpu = 0.0;
        File.Delete(proxyTimes);
        File.Delete(checkTimes);
        var up = await TimeAsync(async () => clientCpu += await RunTimedAsync($"scp -F '{measuredConfig}' -q '{file}' '{host}:/tmp/ssh-bench-{name}.bin'", environment));
        var down = await TimeAsync(async () => clientCpu += await RunTimedAsync($"scp -F '{measuredConfig}' -q '{host}:/tmp/ssh-bench-{name}.bin' '{root.Combine($"back-{name}.bin")}'", environment));
        // The sessions end (and are reaped, their CPU counted) just after scp exits.
        await WaitAsync(() => Task.FromResult(servers.Where(s => s.Children).All(s => !HasSshdChild(s.Item2))), "the sshd sessions to end");
        await WaitAsync(() => Task.FromResult(!IsRunning(cli, "--stdio")), "the CLI's ProxyCommands to end");
        var spent = servers.Select((s, i) => string.Create(CultureInfo.InvariantCulture, $"{s.Item1} {CpuSeconds(s.Item2, s.Children) - before[i]:0.00} s"))
            .Prepend(string.Create(CultureInfo.InvariantCulture, $"client {clientCpu:0.00} s{CliCpu(proxyTimes, checkTimes)}"));
        if (name != "direct")
        {
            spent = spent.Append(string.Create(CultureInfo.InvariantCulture, $"of the web app's: its JIT compiling {JitSeconds(processes[0].Id) - jitBefore:0.00} s"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-7} CPU for the two scp runs: {string.Join(", ", spent)}"));
        await RunAsync("ssh", ["-F", sshConfig, host, "--", $"rm -f /tmp/ssh-bench-{name}.bin"], environment);
        var echo = await EchoAsync(sshConfig, host, echoes, environment);
        var connect = new List<double>();
        for (var i = 0; i < connects; i++)
        {
            connect.Add((await TimeAsync(() => RunAsync("ssh", ["-F", sshConfig, host, "--", "true"], environment))).TotalMilliseconds);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-7} scp up {megabytes / up.TotalSeconds,7:0.0} MB/s  down {megabytes / down.TotalSeconds,7:0.0} MB/s  echo p50 {Percentile(echo, 50),6:0.00} ms p99 {Percentile(echo, 99),6:0.00} ms  `ssh -- true` p50 {Percentile(connect, 50),6:0} ms p99 {Percentile(connect, 99),6:0} ms"));
    }

    var prompt = new List<double>();
    for (var i = 0; i < connects; i++)
    {
        prompt.Add((await TimeAsync(() => RunAsync(cli, ["ssh", id, "--", "true"], environment))).TotalMilliseconds);
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"`workspaces ssh {{ws}} -- true` (certificate + ssh + tunnel + command) p50 {Percentile(prompt, 50):0} ms p99 {Percentile(prompt, 99):0} ms"));
}
finally
{
    foreach (var process in processes)
    {
        process.Kill(entireProcessTree: true);
        process.Dispose();
    }
}

// " + the CLI's ProxyCommands 0.10 s (2; its checks in the client: 0.01 s in 4)" from GNU time's user,system lines.
static string CliCpu(string proxyTimes, string checkTimes)
{
    static List<double> Read(string file) => !File.Exists(file) ? [] : File.ReadAllLines(file).Select(line => line.Split(',')).Where(p => p.Length == 2)
        .Select(p => double.Parse(p[0], CultureInfo.InvariantCulture) + double.Parse(p[1], CultureInfo.InvariantCulture)).ToList();
    var (proxies, checks) = (Read(proxyTimes), Read(checkTimes));
    return proxies.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $" + the CLI's ProxyCommands {proxies.Sum():0.00} s ({proxies.Count}; its checks, in the client's: {checks.Sum():0.00} s in {checks.Count})");
}

// Whether a process runs this program with this argument (the CLI's ProxyCommand, which outlives ssh under nohup).
static bool IsRunning(string program, string argument)
{
    foreach (var directory in Directory.EnumerateDirectories("/proc"))
    {
        try
        {
            if (int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out _)
                && File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0') is var arguments
                && arguments[0] == program && arguments.Contains(argument))
            {
                return true;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process ended while it was read, or is not ours to read.
        }
    }

    return false;
}

// One byte to `cat` on the other side and back, one at a time: the round trip a keystroke's echo takes (no PTY).
static async Task<List<double>> EchoAsync(string config, string host, int count, Dictionary<string, string> environment)
{
    var start = new ProcessStartInfo("ssh", ["-F", config, "-T", host, "--", "cat"]) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true };
    foreach (var (name, value) in environment)
    {
        start.Environment[name] = value;
    }

    using var process = Process.Start(start)!;
    var input = process.StandardInput.BaseStream;
    var output = process.StandardOutput.BaseStream;
    var buffer = new byte[1];
    var samples = new List<double>();
    for (var i = 0; i < count + 20; i++)
    {
        var began = Stopwatch.GetTimestamp();
        await input.WriteAsync("x"u8.ToArray());
        await input.FlushAsync();
        if (await output.ReadAsync(buffer) != 1)
        {
            throw new InvalidOperationException("cat ended");
        }

        if (i >= 20)
        {
            samples.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
        }
    }

    input.Close();
    await process.WaitForExitAsync();
    return samples;
}

// The agent of this workspace (not the sandbox's pasta or bubblewrap, whose command lines name it too).
static int AgentProcessId(string workspaceId)
{
    foreach (var directory in Directory.EnumerateDirectories("/proc"))
    {
        if (int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid)
            && File.Exists(Path.Combine(directory, "cmdline"))
            && File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0') is var arguments
            && arguments[0].EndsWith("Workspaces.WorkspaceAgent", StringComparison.Ordinal)
            && arguments.Contains($"--workspace={workspaceId}"))
        {
            return pid;
        }
    }

    throw new InvalidOperationException($"No agent process for workspace {workspaceId}.");
}

// Whether a process of this parent runs sshd (a session not yet ended and reaped).
static bool HasSshdChild(int parent)
{
    foreach (var directory in Directory.EnumerateDirectories("/proc"))
    {
        if (!int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out _))
        {
            continue;
        }

        try
        {
            var stat = File.ReadAllText(Path.Combine(directory, "stat"));
            var close = stat.LastIndexOf(')');
            if (stat[(stat.IndexOf('(') + 1)..close] == "sshd" && stat[(close + 2)..].Split(' ')[1] == parent.ToString(CultureInfo.InvariantCulture))
            {
                return true;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // It ended meanwhile.
        }
    }

    return false;
}

// User and system time of a process (or of its children it has waited for), from /proc/{pid}/stat.
static double CpuSeconds(int pid, bool children) => StatCpuSeconds($"/proc/{pid}/stat", children);

static double StatCpuSeconds(string path, bool children)
{
    var stat = File.ReadAllText(path);
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    // Fields 14-17 of stat(5), counted from 1 with pid and comm: utime, stime, cutime, cstime.
    var first = children ? 13 : 11;
    return (long.Parse(fields[first], CultureInfo.InvariantCulture) + long.Parse(fields[first + 1], CultureInfo.InvariantCulture)) / 100.0;
}

// The part of a .NET process's CPU time spent by its tiered compilation thread: methods the relay has run often enough
// being compiled again, optimized, while the transfer runs (a cost of the server's first hours, not of every transfer).
static double JitSeconds(int pid)
{
    var total = 0.0;
    foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
    {
        try
        {
            if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET Tiered", StringComparison.Ordinal))
            {
                total += StatCpuSeconds(Path.Combine(task, "stat"), children: false);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The thread ended meanwhile.
        }
    }

    return total;
}

// Runs a command through bash and answers the CPU seconds of everything it started and waited for (bash's `times`).
static async Task<double> RunTimedAsync(string command, Dictionary<string, string> environment)
{
    var start = new ProcessStartInfo("bash", ["-c", $"{command} || exit $?; times"]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
    foreach (var (name, value) in environment)
    {
        start.Environment[name] = value;
    }

    using var process = Process.Start(start)!;
    var error = process.StandardError.ReadToEndAsync();
    var output = await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{command} exited {process.ExitCode}: {await error}");
    }

    // `times` prints the shell's own times, then its children's: "0m1.234s 0m0.567s".
    var children = output.Trim().Split('\n')[^1].Split(' ');
    return children.Sum(t => double.Parse(t[..t.IndexOf('m')], CultureInfo.InvariantCulture) * 60 + double.Parse(t[(t.IndexOf('m') + 1)..^1], CultureInfo.InvariantCulture));
}

static double Percentile(List<double> values, int percentile)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
}

static async Task<TimeSpan> TimeAsync(Func<Task> action)
{
    var began = Stopwatch.GetTimestamp();
    await action();
    return Stopwatch.GetElapsedTime(began);
}

static async Task<int> RunAsync(string program, string[] arguments, Dictionary<string, string> environment, bool check = true)
{
    var start = new ProcessStartInfo(program, arguments) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
    foreach (var (name, value) in environment)
    {
        start.Environment[name] = value;
    }

    using var process = Process.Start(start)!;
    var error = process.StandardError.ReadToEndAsync();
    await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (check && process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await error}");
    }

    return process.ExitCode;
}

static Process Start(string program, string[] arguments, string? log)
{
    var start = new ProcessStartInfo(program, arguments) { UseShellExecute = false, RedirectStandardError = log is null, RedirectStandardOutput = log is null };
    var process = Process.Start(start)!;
    if (log is null)
    {
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
    }

    return process;
}

static async Task WaitAsync(Func<Task<bool>> condition, string what)
{
    var began = Stopwatch.GetTimestamp();
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

        if (Stopwatch.GetElapsedTime(began) > TimeSpan.FromSeconds(120))
        {
            throw new TimeoutException($"Timed out waiting for {what}.");
        }

        await Task.Delay(100);
    }
}

static int FreePort()
{
    using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    return ((IPEndPoint)listener.LocalEndPoint!).Port;
}
