// Editor latencies through the real web app (its own process, Release) and a real agent, as the browser reaches them:
// SignalR + MessagePack over a WebSocket to /workspaces/{id}/agent/hubs/files, forwarded by the web app.
// Usage: dotnet run -c Release --project bench/EditorLatency -- [--runs N] [--output FILE] [--keep]
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.Shared.Files;
using Workspaces.TerminalLatency;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;

var runs = 200;
string? output = null;
var keep = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--output": output = args[++i]; break;
        case "--keep": keep = true; break;
        default: Console.Error.WriteLine($"Unknown option {args[i]}"); return 2;
    }
}

var webApp = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "WebAppPath").Value!;
var root = TempDirectory.Create("editor-bench");
var report = new StringBuilder();
var log = Console.Error;
try
{
    var data = Directory.CreateDirectory(root.Combine("data")).FullName;
    var repositories = new GitRepositoryFixture();
    var repository = await repositories.CreateAsync("bench/editor", new GitRepositoryBuilder().WithFile("README.md", "# Editor bench\n").WithFile(".gitignore", "ignored/\n"));
    await using var web = await ServerProcess.StartAsync(
        "dotnet",
        [webApp, "--urls", "http://127.0.0.1:{port}", $"--Workspaces:DataDirectory={data}"],
        Path.GetDirectoryName(webApp)!,
        root.Combine("web.log"),
        "/alive",
        [],
        CancellationToken.None);
    using var api = new WorkspacesApi(web.BaseUrl);
    await api.SignInAsync("bench@example.com", "correct horse battery staple", CancellationToken.None);
    var id = await api.CreateReadyWorkspaceAsync(repository.FileUrl, CancellationToken.None);
    var checkout = Path.Combine(data, "workspaces", id, "editor");

    log.WriteLine("Generating the trees…");
    var random = new Random(42);
    await File.WriteAllTextAsync(Path.Combine(checkout, "small.txt"), Text(random, 10 * 1024));
    await File.WriteAllTextAsync(Path.Combine(checkout, "large.txt"), Text(random, 1024 * 1024));
    var many = Directory.CreateDirectory(Path.Combine(checkout, "many")).FullName;
    for (var i = 0; i < 10_000; i++)
    {
        await File.WriteAllBytesAsync(Path.Combine(many, $"entry-{i:D5}.txt"), []);
    }

    // 100,000 files for quick open: 100 modules × 10 folders × 100 files (empty; names are what it searches).
    for (var m = 0; m < 100; m++)
    {
        for (var f = 0; f < 10; f++)
        {
            var folder = Directory.CreateDirectory(Path.Combine(checkout, "src", $"module{m:D2}", $"feature{f}")).FullName;
            for (var n = 0; n < 100; n++)
            {
                await File.WriteAllBytesAsync(Path.Combine(folder, $"Handler{m:D2}{f}{n:D2}Service.cs"), []);
            }
        }
    }

    // A 50 MB tree to search: 5,000 files of 10 KB of words; a rare needle in 50 of them; an ignored folder.
    for (var i = 0; i < 5_000; i++)
    {
        var folder = Directory.CreateDirectory(Path.Combine(checkout, "corpus", $"d{i / 100:D2}")).FullName;
        var text = Text(random, 10 * 1024);
        if (i % 100 == 7)
        {
            text = text.Insert(text.IndexOf('\n', 5000) + 1, "the rareneedle is here\n");
        }

        await File.WriteAllTextAsync(Path.Combine(folder, $"f{i:D4}.txt"), text);
    }

    var corpusBytes = Directory.EnumerateFiles(Path.Combine(checkout, "corpus"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    var hub = new HubConnectionBuilder()
        .WithUrl(new Uri(web.BaseUrl, $"workspaces/{id}/agent{FilesHubContract.Path}"), options =>
        {
            options.SkipNegotiation = true;
            options.Transports = HttpTransportType.WebSockets;
            options.Headers["Authorization"] = "Bearer " + api.Token;
        })
        .AddMessagePackProtocol()
        .Build();
    await hub.StartAsync();

    report.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores; load average before: {LoadAverage()}");
    report.AppendLine();
    report.AppendLine("| operation | n | p50 ms | p90 ms | p99 ms | max ms |");
    report.AppendLine("|---|---|---|---|---|---|");

    async Task Measure(string name, int n, Func<int, Task> operation, int warmup = 5)
    {
        for (var i = 0; i < warmup; i++)
        {
            await operation(i);
        }

        var samples = new double[n];
        for (var i = 0; i < n; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await operation(i);
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        Array.Sort(samples);
        report.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {n} | {P(samples, 0.5):0.00} | {P(samples, 0.9):0.00} | {P(samples, 0.99):0.00} | {samples[^1]:0.00} |");
        log.WriteLine($"{name}: p50 {P(samples, 0.5):0.00} ms");
    }

    await Measure("open 10 KB (ReadFile)", runs, _ => hub.InvokeAsync<FileContent>("ReadFile", "small.txt"));
    await Measure("open 1 MB (ReadFile)", Math.Max(20, runs / 4), _ => hub.InvokeAsync<FileContent>("ReadFile", "large.txt"));
    foreach (var (file, n) in new[] { ("small.txt", runs), ("large.txt", Math.Max(20, runs / 4)) })
    {
        var content = await hub.InvokeAsync<FileContent>("ReadFile", file);
        var texts = new[] { content.Text! + "x", content.Text! };
        var version = content.Version;
        await Measure($"save {(file == "small.txt" ? "10 KB" : "1 MB")} (SaveFile)", n, async i =>
        {
            var saved = await hub.InvokeAsync<SaveResult>("SaveFile", new SaveFileRequest(file, texts[i % 2], version, content.Encoding, content.Bom));
            version = saved.Saved ? saved.Version! : throw new InvalidOperationException(saved.Message);
        });
    }

    await Measure("list 10,000 entries (ListDirectory)", 30, _ => hub.InvokeAsync<DirectoryListing>("ListDirectory", "many"), warmup: 2);
    var queries = new[] { "handler4250service", "m42f5", "svc", "hndlr99", "README", "entry-04242", "module07feature3handler" };
    var serverSide = new List<double>();
    var total = 0;
    await Measure($"quick open over 100,000+ files (QuickOpen, {queries.Length} queries in turn)", 70, async i =>
    {
        var result = await hub.InvokeAsync<QuickOpenResult>("QuickOpen", queries[i % queries.Length], 50);
        serverSide.Add(result.ElapsedMilliseconds);
        total = result.TotalFiles;
    }, warmup: 3);
    serverSide.Sort();
    report.AppendLine();
    report.AppendLine(CultureInfo.InvariantCulture, $"Quick open indexed {total:N0} files; matching alone (agent side) p50 {P([.. serverSide], 0.5):0.0} ms, max {serverSide[^1]:0.0} ms.");
    report.AppendLine();

    report.AppendLine(CultureInfo.InvariantCulture, $"Search over `corpus/` ({corpusBytes / 1e6:0.0} MB, 5,000 files) plus the rest of the checkout (115,000 empty files):");
    report.AppendLine();
    report.AppendLine("| search | n | p50 ms | min ms | matches |");
    report.AppendLine("|---|---|---|---|---|");
    foreach (var (label, query) in new[] { ("rare word (50 hits)", "rareneedle"), ("common word", "lorem") })
    {
        var hubTimes = new List<double>();
        var matches = 0;
        for (var i = 0; i < 6; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var result = await hub.InvokeAsync<SearchResult>("Search", new SearchRequest(query, false, true, false, null, 2000));
            hubTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            matches = result.Matches.Count;
        }

        var grepTimes = new List<double>();
        var gitTimes = new List<double>();
        var grepMatches = 0;
        for (var i = 0; i < 6; i++)
        {
            var (elapsed, lines) = await RunAsync(checkout, "grep", "-rn", "-I", "--exclude-dir=.git", "-F", "-e", query, ".");
            grepTimes.Add(elapsed);
            grepMatches = lines;
            gitTimes.Add((await RunAsync(checkout, "git", "grep", "-n", "--column", "-I", "--untracked", "--exclude-standard", "-F", "-e", query)).Elapsed);
        }

        hubTimes.RemoveAt(0);
        grepTimes.RemoveAt(0);
        gitTimes.RemoveAt(0);
        report.AppendLine(CultureInfo.InvariantCulture, $"| {label}: editor search through the web app (first 2,000) | 5 | {Median(hubTimes):0} | {hubTimes.Min():0} | {matches} |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| {label}: `git grep --untracked` alone | 5 | {Median(gitTimes):0} | {gitTimes.Min():0} | |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| {label}: `grep -rn -I` of the same tree | 5 | {Median(grepTimes):0} | {grepTimes.Min():0} | {grepMatches} |");
    }

    report.AppendLine();
    report.AppendLine(CultureInfo.InvariantCulture, $"Load average after: {LoadAverage()}");
    await hub.DisposeAsync();
    await api.DeleteWorkspaceAsync(id, CancellationToken.None);
    repositories.Dispose();
}
finally
{
    if (!keep)
    {
        root.Dispose();
    }
}

Console.WriteLine(report);
if (output is not null)
{
    await File.WriteAllTextAsync(output, report.ToString());
}

return 0;

static double P(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted[sorted.Length / 2];
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";

static string Text(Random random, int bytes)
{
    string[] words = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do", "eiusmod", "tempor", "incididunt", "labore", "magna", "aliqua", "workspace", "editor", "agent", "value"];
    var text = new StringBuilder(bytes + 64);
    while (text.Length < bytes)
    {
        var line = 0;
        while (line < 70)
        {
            var word = words[random.Next(words.Length)];
            text.Append(word).Append(' ');
            line += word.Length + 1;
        }

        text.Append('\n');
    }

    return text.ToString(0, bytes - 1) + "\n";
}

static async Task<(double Elapsed, int Lines)> RunAsync(string directory, string file, params string[] arguments)
{
    var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var argument in arguments)
    {
        start.ArgumentList.Add(argument);
    }

    var started = Stopwatch.GetTimestamp();
    using var process = Process.Start(start)!;
    var lines = 0;
    while (await process.StandardOutput.ReadLineAsync() is not null)
    {
        lines++;
    }

    await process.WaitForExitAsync();
    return (Stopwatch.GetElapsedTime(started).TotalMilliseconds, lines);
}
