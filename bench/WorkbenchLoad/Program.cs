// The workspace page in Debian's Chromium (Playwright), the web app in its own process in its default configuration:
// first contentful paint, the time until the editor accepts typing (a character typed into README.md shows), and the
// JavaScript loaded before the first paint, on a warm cache (one browser profile on disk, after a few visits).
// Usage: dotnet run -c Release --project bench/WorkbenchLoad -- [--runs N] [--web-app path/to/Workspaces.Web.dll] [--output FILE]
//   [--trace FILE] (a Chromium performance trace of the last run, for chrome://tracing or the DevTools' Performance tab)
//   [--incognito] (an in-memory context instead of the profile: no V8 code cache, as in the harness before 2026-12-07)
using System.Globalization;
using System.Reflection;
using System.Text;
using Microsoft.Playwright;
using Workspaces.TerminalLatency;
using Workspaces.WorkbenchLoad;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;

var runs = 15;
string? output = null;
string? trace = null;
var incognito = false;
var webApp = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "WebAppPath").Value!;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--output": output = args[++i]; break;
        case "--web-app": webApp = Path.GetFullPath(args[++i]); break;
        case "--trace": trace = Path.GetFullPath(args[++i]); break;
        case "--incognito": incognito = true; break;
        default: Console.Error.WriteLine($"Unknown option {args[i]}"); return 2;
    }
}

const string Email = "bench@example.com";
const int WarmUpVisits = 3;
const string Password = "correct horse battery staple";
var chromium = Environment.GetEnvironmentVariable("WORKSPACES_TEST_CHROMIUM") is { Length: > 0 } c ? c : "/usr/bin/chromium";
var root = TempDirectory.Create("workbench-bench");
var report = new StringBuilder();
try
{
    var data = Directory.CreateDirectory(root.Combine("data")).FullName;
    using var repositories = new GitRepositoryFixture();
    var repository = await repositories.CreateAsync("bench/page", new GitRepositoryBuilder()
        .WithFile("README.md", "# Page bench\n\nSome text to type into.\n")
        .WithFile("src/app.js", "export const answer = 42;\n"));
    await using var web = await ServerProcess.StartAsync(
        "dotnet",
        [webApp, "--urls", "http://127.0.0.1:{port}", $"--Workspaces:DataDirectory={data}"],
        Path.GetDirectoryName(webApp)!,
        root.Combine("web.log"),
        "/alive",
        [],
        CancellationToken.None);
    using var api = new WorkspacesApi(web.BaseUrl);
    await api.SignInAsync(Email, Password, CancellationToken.None);
    var id = await api.CreateReadyWorkspaceAsync(repository.FileUrl, CancellationToken.None);
    // localhost, not 127.0.0.1: the session cookie is __Host- (Secure), which Chromium accepts over HTTP only there.
    var baseUrl = new UriBuilder(web.BaseUrl) { Host = "localhost" }.Uri;

    using var playwright = await Playwright.CreateAsync();
    // A persistent profile on disk, as a user's browser has: Chromium keeps V8's code cache (compiled scripts) only for
    // a profile with a disk cache, so an incognito-like context (Playwright's NewContextAsync) would parse and compile
    // every script again on every visit, which no returning user's browser does.
    string[] chromiumArgs = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update"];
    await using var browser = incognito ? await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = chromiumArgs }) : null;
    await using var context = browser is not null
        ? await browser.NewContextAsync(new() { BaseURL = baseUrl.AbsoluteUri, ViewportSize = new() { Width = 1280, Height = 720 } })
        : await playwright.Chromium.LaunchPersistentContextAsync(root.Combine("profile"), new()
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = chromiumArgs,
            BaseURL = baseUrl.AbsoluteUri,
            ViewportSize = new() { Width = 1280, Height = 720 },
        });
    context.SetDefaultTimeout(60_000);
    var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
    await page.GotoAsync("/account/login");
    await page.GetByLabel("Email").FillAsync(Email);
    await page.GetByLabel("Password").FillAsync(Password);
    await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    await page.WaitForURLAsync(url => !url.Contains("/account/", StringComparison.Ordinal));

    // The warm-up visits fill the HTTP cache (and, where the page keeps its layout, leave README.md open). Chromium
    // stores a script's compiled code only when it runs again soon after a first run, and uses it from the visit after:
    // a user who comes back to the page has done so more than once.
    for (var visit = 0; visit < WarmUpVisits; visit++)
    {
        await page.GotoAsync("about:blank");
        await MeasureAsync(page, id);
    }

    await page.CloseAsync(new() { RunBeforeUnload = false });

    var samples = new List<Sample>();
    for (var run = 0; run < runs; run++)
    {
        page = await context.NewPageAsync();
        var tracing = trace is not null && run == runs - 1 ? await ChromiumTrace.StartAsync(context, page) : null;
        samples.Add(await MeasureAsync(page, id));
        if (tracing is not null)
        {
            await tracing.StopAsync(trace!);
        }

        await page.CloseAsync(new() { RunBeforeUnload = false });
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run + 1}: FCP {samples[^1].Fcp:F0} ms, typing {samples[^1].Typing:F0} ms"));
    }

    report.AppendLine(CultureInfo.InvariantCulture, $"Workspace page, warm cache ({(incognito ? "in-memory context" : "profile on disk")}), {runs} runs, 1280×720, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
    report.AppendLine();
    report.AppendLine("| measure | p50 | p90 | max |");
    report.AppendLine("|---|---|---|---|");
    Row("first contentful paint (ms)", samples.Select(s => s.Fcp));
    Row("file tree shows README.md (ms)", samples.Select(s => s.Tree));
    Row("README.md's text shown in the editor (ms)", samples.Select(s => s.Shown));
    Row("editor accepts typing (ms)", samples.Select(s => s.Typing));
    Row("JavaScript transferred before first paint (KB)", samples.Select(s => s.JsTransferredBeforeFcp / 1024));
    Row("JavaScript loaded before first paint, decoded (KB)", samples.Select(s => s.JsDecodedBeforeFcp / 1024));
    Row("JavaScript transferred until typing (KB)", samples.Select(s => s.JsTransferredUntilTyping / 1024));
    Row("JavaScript loaded until typing, decoded (KB)", samples.Select(s => s.JsDecodedUntilTyping / 1024));
    report.AppendLine();
    report.AppendLine("Transferred again on the last warm visit (over 10 KB): " + (samples[^1].Transfers.Length == 0 ? "none" : string.Join(", ", samples[^1].Transfers)));
    if (!incognito)
    {
        var codeCache = new DirectoryInfo(root.Combine("profile", "Default", "Code Cache", "js"));
        var files = codeCache.Exists ? codeCache.GetFiles() : [];
        report.AppendLine(CultureInfo.InvariantCulture, $"V8 code cache in the profile: {files.Length} files, {files.Sum(f => f.Length) / 1024} KB");
    }
}
finally
{
    root.Dispose();
}

Console.WriteLine(report);
if (output is not null)
{
    await File.WriteAllTextAsync(output, report.ToString());
}

return 0;

void Row(string name, IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    report.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {P(sorted, 0.5):F0} | {P(sorted, 0.9):F0} | {sorted[^1]:F0} |");
}

static async Task<Sample> MeasureAsync(IPage page, string workspaceId)
{
    await page.GotoAsync($"/workspaces/{workspaceId}");
    var readme = page.Locator(".ide-tab[data-path='README.md']");
    var lines = page.Locator(".view-lines").First;
    await page.Locator(".tree-row[data-path='README.md']").WaitForAsync();
    var tree = await page.EvaluateAsync<double>("() => performance.now()");
    if (await readme.CountAsync() == 0)
    {
        // Nothing restored (a first visit, or a page that does not keep its tabs): open it as a person would.
        await page.Locator(".tree-row[data-path='README.md']").ClickAsync();
    }

    await lines.Filter(new() { HasText = "Page bench" }).WaitForAsync();
    var shown = await page.EvaluateAsync<double>("() => performance.now()");
    await lines.ClickAsync();
    await page.Keyboard.PressAsync("Control+End");
    await page.Keyboard.TypeAsync("Z9");
    await lines.Filter(new() { HasText = "Z9" }).WaitForAsync();
    var typing = await page.EvaluateAsync<double>("() => performance.now()");
    var timings = await page.EvaluateAsync<double[]>("""
        () => {
          const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
          const scripts = performance.getEntriesByType('resource').filter((r) => r.initiatorType === 'script' || /\.m?js(\?|$)/.test(r.name));
          const sum = (list, key) => list.reduce((total, r) => total + (r[key] || 0), 0);
          const before = scripts.filter((r) => r.responseEnd <= fcp);
          return [fcp, sum(before, 'transferSize'), sum(before, 'decodedBodySize'), sum(scripts, 'transferSize'), sum(scripts, 'decodedBodySize')];
        }
        """);
    var transfers = await page.EvaluateAsync<string[]>("""
        () => performance.getEntriesByType('resource').filter((r) => r.transferSize > 10240)
          .map((r) => `${new URL(r.name).pathname} ${Math.round(r.transferSize / 1024)} KB`)
        """);
    await page.Keyboard.PressAsync("Backspace");
    await page.Keyboard.PressAsync("Backspace");
    return new Sample(timings[0], typing, timings[1], timings[2], timings[3], timings[4], transfers) { Tree = tree, Shown = shown };
}

static double P(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";

internal sealed record Sample(double Fcp, double Typing, double JsTransferredBeforeFcp, double JsDecodedBeforeFcp, double JsTransferredUntilTyping, double JsDecodedUntilTyping, string[] Transfers)
{
    /// <summary>When the file tree showed README.md (the workbench is rendered and the agent answered).</summary>
    public double Tree { get; init; }

    /// <summary>When README.md's text showed in Monaco (the editor bundle is loaded and the file read).</summary>
    public double Shown { get; init; }
}
