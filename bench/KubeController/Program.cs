using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Workspaces.FakeKubernetes;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Resources;
using Workspaces.WorkspaceController.Kubernetes.Runtime;
using Workspaces.WorkspaceController.Runtime;

// bench/KubeController: N Workspaces created at once against the fake API server, reconciled by the real controller in
// its own process (so its memory is its own); then how fast a status change reaches the web app's runtime.
var count = IntArg("--workspaces", 1000);
var workers = IntArg("--workers", 4);
var samples = IntArg("--samples", 200);
var output = StringArg("--output");
// Every Workspace with cluster access (issue 16): its namespace, Role, quota, policy and a token before its pod.
var clusterAccess = args.Contains("--cluster-access");
// Both, one after the other in this process (each on a fresh API server and controller), reported side by side.
var compare = args.Contains("--compare");
const string Ns = "workspaces";
var key = SealedCredentials.NewKey();
var report = new StringBuilder();
void Say(string line)
{
    Console.WriteLine(line);
    report.AppendLine(line);
}

var controllerPath = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ControllerPath").Value!;
var caFile = Path.Combine(Path.GetTempPath(), $"kube-bench-ca-{Environment.ProcessId}.crt");
await File.WriteAllTextAsync(caFile, "bench CA");
if (compare)
{
    var results = new List<Throughput>();
    foreach (var withAccess in new[] { false, true })
    {
        await using var fresh = await FakeKubeApiServer.StartAsync(validateWorkspaces: true);
        fresh.Kubelet.StartDelay = TimeSpan.Zero;
        using var freshClient = fresh.CreateClient();
        var freshController = StartController(controllerPath, fresh.Url, key, workers, withAccess ? caFile : null);
        try
        {
            results.Add(await MeasureThroughputAsync(fresh, freshClient, freshController, key, count, withAccess));
        }
        finally
        {
            freshController.Kill(entireProcessTree: true);
            await freshController.WaitForExitAsync();
        }
    }

    var (plain, access) = (results[0], results[1]);
    Say($"## Reconcile throughput: {count} Workspaces created at once ({workers} workers), today's and with cluster access, back to back");
    Say("");
    Say("| measure | today's Workspaces | with cluster access |");
    Say("|---|---|---|");
    Say($"| all {count} created (32 concurrent POSTs) | {plain.CreatedAll.TotalSeconds:0.00} s | {access.CreatedAll.TotalSeconds:0.00} s |");
    Say($"| all {count} Running | {plain.AllRunning.TotalSeconds:0.00} s | {access.AllRunning.TotalSeconds:0.00} s |");
    Say($"| throughput | {count / plain.AllRunning.TotalSeconds:0} workspaces/s | {count / access.AllRunning.TotalSeconds:0} workspaces/s |");
    Say($"| reconcile time per workspace (run time ÷ workspaces) | {plain.AllRunning.TotalMilliseconds / count:0.0} ms | {access.AllRunning.TotalMilliseconds / count:0.0} ms |");
    Say($"| create → Running, p50 / p95 | {P(plain.Latencies, 50) / 1000:0.0} / {P(plain.Latencies, 95) / 1000:0.0} s | {P(access.Latencies, 50) / 1000:0.0} / {P(access.Latencies, 95) / 1000:0.0} s |");
    Say($"| API requests per workspace (all clients) | {(double)plain.Requests / count:0.0} | {(double)access.Requests / count:0.0} |");
    Say($"| controller RSS idle / peak / settled | {plain.IdleRss / 1048576.0:0} / {plain.PeakRss / 1048576.0:0} / {plain.SettledRss / 1048576.0:0} MiB | {access.IdleRss / 1048576.0:0} / {access.PeakRss / 1048576.0:0} / {access.SettledRss / 1048576.0:0} MiB |");
    Say("");
    Say($"Machine: {Environment.ProcessorCount} cores, {MachineLoad()}; .NET {Environment.Version}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
    if (output is not null)
    {
        await File.WriteAllTextAsync(output, report.ToString());
    }

    return 0;
}

await using var server = await FakeKubeApiServer.StartAsync(validateWorkspaces: true);
server.Kubelet.StartDelay = TimeSpan.Zero;
using var client = server.CreateClient();
var controller = StartController(controllerPath, server.Url, key, workers, clusterAccess ? caFile : null);
try
{
    var t = await MeasureThroughputAsync(server, client, controller, key, count, clusterAccess);
    Say($"## Reconcile throughput: {count} Workspaces{(clusterAccess ? " with cluster access" : "")} created at once ({workers} workers)");
    Say("");
    Say("| measure | value |");
    Say("|---|---|");
    Say($"| all {count} created (32 concurrent POSTs) | {t.CreatedAll.TotalSeconds:0.00} s |");
    Say($"| all {count} Running (first create → last status Running) | {t.AllRunning.TotalSeconds:0.00} s |");
    Say($"| throughput | {count / t.AllRunning.TotalSeconds:0} workspaces/s |");
    Say($"| create → Running, per workspace p50 / p95 / max | {P(t.Latencies, 50):0} / {P(t.Latencies, 95):0} / {t.Latencies[^1]:0} ms |");
    Say($"| API requests during the run (all clients) | {t.Requests} ({(double)t.Requests / count:0.0} per workspace) |");
    Say($"| controller RSS idle / peak / settled | {t.IdleRss / 1048576.0:0} / {t.PeakRss / 1048576.0:0} / {t.SettledRss / 1048576.0:0} MiB |");
    Say($"| controller RSS high-water mark (VmHWM) | {t.Hwm / 1048576.0:0} MiB |");
    Say("");

    // ---- 2. Status propagation to the web app's runtime ----
    using var web = await StartWebRuntimeAsync(server, key);
    var runtime = web.Services.GetRequiredService<IWorkspaceRuntime>();
    var changes = web.Services.GetRequiredService<IWorkspaceRuntimeChanges>();
    await runtime.ObserveAsync("bench-00000", CancellationToken.None);

    // (a) A status write seen by the runtime's watch: the controller's write → the web app's cache and reconcile queue.
    var watchDelays = new List<double>();
    for (var i = 0; i < samples; i++)
    {
        var name = $"bench-{i % count:D5}";
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(string id)
        {
            if (id == name)
            {
                seen.TrySetResult();
            }
        }

        changes.Changed += OnChanged;
        var t0 = Stopwatch.GetTimestamp();
        server.Mutate("workspaces.dev/workspaces", Ns, name, ws => ws["status"]!["message"] = $"probe {i}");
        await seen.Task.WaitAsync(TimeSpan.FromSeconds(10));
        watchDelays.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        changes.Changed -= OnChanged;
    }

    // (b) A pod crash end to end: kubelet marks the pod Failed → controller reconciles, writes status → the runtime
    // no longer reports Running.
    var crashDelays = new List<double>();
    var crashSamples = Math.Min(50, count);
    for (var i = 0; i < crashSamples; i++)
    {
        var name = $"bench-{count - 1 - i:D5}";
        var t0 = Stopwatch.GetTimestamp();
        server.Kubelet.Crash(Ns, ControllerOptions.ChildName(name));
        await WaitAsync(() => runtime.ObserveAsync(name, CancellationToken.None).Result.State != RuntimeState.Running, TimeSpan.FromSeconds(10), $"{name} to leave Running", pollMs: 1);
        crashDelays.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
    }

    var w = watchDelays.Order().ToArray();
    var c = crashDelays.Order().ToArray();
    Say("## Status propagation to the web app's Kubernetes runtime");
    Say("");
    Say("| path | samples | p50 | p95 | p99 | max |");
    Say("|---|---|---|---|---|---|");
    Say($"| status written → runtime's watch (and reconcile queue) | {w.Length} | {P(w, 50):0.0} ms | {P(w, 95):0.0} ms | {P(w, 99):0.0} ms | {w[^1]:0.0} ms |");
    Say($"| pod crash → controller → status → runtime no longer Running | {c.Length} | {P(c, 50):0.0} ms | {P(c, 95):0.0} ms | {P(c, 99):0.0} ms | {c[^1]:0.0} ms |");
    Say("");
    Say($"Machine: {Environment.ProcessorCount} cores, {MachineLoad()}; .NET {Environment.Version}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
}
finally
{
    controller.Kill(entireProcessTree: true);
    await controller.WaitForExitAsync();
}

if (output is not null)
{
    await File.WriteAllTextAsync(output, report.ToString());
}

return 0;

/// <summary>Phase 1: N Workspaces created at once (32 concurrent POSTs) until every one is Running.</summary>
static async Task<Throughput> MeasureThroughputAsync(FakeKubeApiServer server, IKubernetes client, Process controller, string key, int count, bool clusterAccess)
{
    await WaitAsync(() => server.Get("coordination.k8s.io/leases", Ns, "workspaces-controller") is not null, TimeSpan.FromSeconds(30), "the controller to take the lease");
    var idleRss = Memory(controller.Id);

    // ---- 1. N workspaces created at once ----
    var sealer = new SealedCredentials(key);
    var created = new ConcurrentDictionary<string, long>();
    var requestsBefore = server.Requests;
    var start = Stopwatch.GetTimestamp();
    await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
    {
        var name = $"bench-{i:D5}";
        var ws = new WorkspaceResource
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns },
            Spec = new WorkspaceSpec
            {
                Owner = "bench",
                Repository = new WorkspaceRepository { Url = "https://git.example/acme/app.git", CheckoutDirectory = "app" },
                DesiredState = DesiredState.Running,
                SealedCredentials = sealer.Seal(Ns, name, new WorkspaceCredentials("s", null, null)),
                ClusterAccess = clusterAccess ? new WorkspaceClusterAccess { Namespace = $"dev-{name}" } : null,
            },
        };
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(ws, WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, Ns, WorkspaceResource.Plural, cancellationToken: ct);
        created[name] = Stopwatch.GetTimestamp();
    });
    var createdAll = Stopwatch.GetElapsedTime(start);

    var running = new Dictionary<string, TimeSpan>();
    long peakRss = 0;
    while (running.Count < count)
    {
        foreach (var ws in server.List("workspaces.dev/workspaces", Ns))
        {
            var name = (string)ws["metadata"]!["name"]!;
            if (!running.ContainsKey(name) && (string?)ws["status"]?["phase"] == "Running")
            {
                running[name] = Stopwatch.GetElapsedTime(created[name]);
            }
        }

        peakRss = Math.Max(peakRss, Memory(controller.Id).Rss);
        if (Stopwatch.GetElapsedTime(start) > TimeSpan.FromMinutes(10))
        {
            throw new TimeoutException($"only {running.Count} of {count} workspaces Running after 10 minutes");
        }

        await Task.Delay(25);
    }

    var allRunning = Stopwatch.GetElapsedTime(start);
    var requests = server.Requests - requestsBefore;
    await Task.Delay(2000);
    var settled = Memory(controller.Id);
    var latencies = running.Values.Select(v => v.TotalMilliseconds).Order().ToArray();
    return new Throughput(createdAll, allRunning, latencies, requests, idleRss.Rss, peakRss, settled.Rss, settled.Hwm);

}

static Process StartController(string path, Uri apiServer, string credentialKey, int workers, string? clusterAccessCaFile)
{
    var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
    start.ArgumentList.Add(path);
    start.Environment["Workspaces__Kubernetes__ApiServer"] = apiServer.ToString();
    start.Environment["Workspaces__Controller__Namespace"] = "workspaces";
    start.Environment["Workspaces__Controller__AgentImage"] = "registry.example/agent:bench";
    start.Environment["Workspaces__Controller__DefaultWorkspaceImage"] = "registry.example/workspace:bench";
    start.Environment["Workspaces__Controller__CredentialKey"] = credentialKey;
    start.Environment["Workspaces__Controller__Workers"] = workers.ToString(CultureInfo.InvariantCulture);
    start.Environment["Workspaces__Controller__LeaderElection__Identity"] = "bench";
    start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
    if (clusterAccessCaFile is not null)
    {
        start.Environment["Workspaces__Controller__ClusterAccess__Enabled"] = "true";
        start.Environment["Workspaces__Controller__ClusterAccess__ApiServerCidrs__0"] = "172.18.0.2/32";
        start.Environment["Workspaces__Controller__ClusterAccess__CaFile"] = clusterAccessCaFile;
    }

    var process = Process.Start(start)!;
    process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[controller] {e.Data}"); };
    process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[controller] {e.Data}"); };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

static async Task<IHost> StartWebRuntimeAsync(FakeKubeApiServer server, string credentialKey)
{
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Workspaces:Runtime:Kubernetes:Namespace"] = "workspaces",
        ["Workspaces:Runtime:Kubernetes:CredentialKey"] = credentialKey,
    });
    // No logging providers (DisableDefaults): the web app's side of the runtime is the harness here, not what is measured.
    builder.Services.AddSingleton(server.CreateClient());
    builder.Services.AddKubernetesWorkspaceRuntime(builder.Configuration);
    var host = builder.Build();
    await host.StartAsync();
    return host;
}

static (long Rss, long Hwm) Memory(int pid)
{
    long rss = 0, hwm = 0;
    foreach (var line in File.ReadLines($"/proc/{pid}/status"))
    {
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
        {
            rss = Kb(line);
        }
        else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
        {
            hwm = Kb(line);
        }
    }

    return (rss, hwm);

    static long Kb(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}

static string MachineLoad() => File.Exists("/proc/loadavg") ? $"load average {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}" : "load unknown";

static double P(double[] sorted, double percentile) => sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what, int pollMs = 20)
{
    var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
    while (!condition())
    {
        if (Stopwatch.GetTimestamp() > deadline)
        {
            throw new TimeoutException($"Timed out waiting for {what}");
        }

        await Task.Delay(pollMs);
    }
}

int IntArg(string name, int fallback) => StringArg(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

string? StringArg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

/// <summary>What phase 1 measured.</summary>
internal sealed record Throughput(TimeSpan CreatedAll, TimeSpan AllRunning, double[] Latencies, long Requests, long IdleRss, long PeakRss, long SettledRss, long Hwm);
