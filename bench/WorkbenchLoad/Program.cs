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
// What the page shows, timed inside the page (a MutationObserver, so the harness's own round trips through the DevTools
// protocol do not count): the tree's README.md, its text in Monaco, the first key, the typed characters. Taken when the
// DOM changes, at most a frame before the paint.
const string RecordMarks = """
    (() => {
      const marks = (window.__benchMarks = {});
      const text = (needle) => [...document.querySelectorAll('.view-lines')].some((v) => v.textContent.replace(/\s/g, ' ').includes(needle));
      const check = () => {
        const now = performance.now();
        if (!marks.tree && document.querySelector(".tree-row[data-path='README.md']")) marks.tree = now;
        if (!marks.shown && text('Page bench')) marks.shown = now;
        if (marks.key && !marks.typed && text('Z9')) marks.typed = now;
      };
      new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true });
      addEventListener('keydown', () => { marks.key ??= performance.now(); }, true);
      addEventListener('mousedown', () => { marks.click ??= performance.now(); }, true);
    })();
    """;
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
    await context.AddInitScriptAsync(RecordMarks);
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
        await MeasureAsync(page, id, restored: false);
    }

    await page.CloseAsync(new() { RunBeforeUnload = false });

    var samples = new List<Sample>();
    for (var run = 0; run < runs; run++)
    {
        page = await context.NewPageAsync();
        var tracing = trace is not null && run == runs - 1 ? await ChromiumTrace.StartAsync(context, page) : null;
        samples.Add(await MeasureAsync(page, id, restored: true));
        if (tracing is not null)
        {
            await tracing.StopAsync(trace!);
        }

        await page.CloseAsync(new() { RunBeforeUnload = false });
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run + 1}: FCP {samples[^1].Fcp:F0} ms, typing {samples[^1].Typing:F0} ms (seen {samples[^1].TypingSeen:F0})"));
    }

    report.AppendLine(CultureInfo.InvariantCulture, $"Workspace page, warm cache ({(incognito ? "in-memory context" : "profile on disk")}), {runs} runs, 1280×720, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
    report.AppendLine();
    report.AppendLine("| measure | p50 | p90 | max |");
    report.AppendLine("|---|---|---|---|");
    Row("first contentful paint (ms)", samples.Select(s => s.Fcp));
    Row("file tree shows README.md (ms)", samples.Select(s => s.Tree));
    Row("README.md's text shown in the editor (ms)", samples.Select(s => s.Shown));
    Row("the harness's click reaches the page (ms)", samples.Select(s => s.Click));
    Row("the harness's first key reaches the page (ms)", samples.Select(s => s.FirstKey));
    Row("editor accepts typing: the typed characters shown (ms)", samples.Select(s => s.Typing));
    Row("the same, as the harness learns it (ms)", samples.Select(s => s.TypingSeen));
    Row("the workbench takes over the editor started early (ms)", samples.Select(s => s.Adopted));
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

static async Task<Sample> MeasureAsync(IPage page, string workspaceId, bool restored)
{
    await page.GotoAsync($"/workspaces/{workspaceId}", new() { WaitUntil = WaitUntilState.Commit });
    var lines = page.Locator(".view-lines").First;
    if (!restored)
    {
        // A first visit: nothing restored yet; open it as a person would (and the page keeps it for the next visits).
        await page.Locator(".tree-row[data-path='README.md']").WaitForAsync();
        if (await page.Locator(".ide-tab[data-path='README.md']").CountAsync() == 0)
        {
            await page.Locator(".tree-row[data-path='README.md']").ClickAsync();
        }
    }

    // As soon as the restored file shows: a click into it, and two characters typed at its end. The click is a real one
    // (the browser's input pipeline, at the text's place) without Playwright's actionability checks, which wait for two
    // animation frames with the same layout first: a person's click does not wait for that. A click that lands on
    // nothing that takes the keys fails the run (the characters never show), it does not count as typed.
    await lines.Filter(new() { HasText = "Page bench" }).WaitForAsync();
    await lines.ClickAsync(new() { Force = restored });
    await page.Keyboard.PressAsync("Control+End");
    await page.Keyboard.TypeAsync("Z9");
    await lines.Filter(new() { HasText = "Z9" }).WaitForAsync();
    var seen = await page.EvaluateAsync<double>("() => performance.now()");
    var timings = await page.EvaluateAsync<double[]>("""
        () => {
          const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
          const scripts = performance.getEntriesByType('resource').filter((r) => r.initiatorType === 'script' || /\.m?js(\?|$)/.test(r.name));
          const sum = (list, key) => list.reduce((total, r) => total + (r[key] || 0), 0);
          const before = scripts.filter((r) => r.responseEnd <= fcp);
          const m = window.__benchMarks;
          return [fcp, sum(before, 'transferSize'), sum(before, 'decodedBodySize'), sum(scripts, 'transferSize'), sum(scripts, 'decodedBodySize'),
            m.tree ?? NaN, m.shown ?? NaN, m.key ?? NaN, m.typed ?? NaN, m.click ?? NaN, performance.getEntriesByName('workspaces:editor-adopted')[0]?.startTime ?? NaN];
        }
        """);
    var transfers = await page.EvaluateAsync<string[]>("""
        () => performance.getEntriesByType('resource').filter((r) => r.transferSize > 10240)
          .map((r) => `${new URL(r.name).pathname} ${Math.round(r.transferSize / 1024)} KB`)
        """);
    await page.Keyboard.PressAsync("Backspace");
    await page.Keyboard.PressAsync("Backspace");
    return new Sample(timings[0], timings[8], timings[1], timings[2], timings[3], timings[4], transfers)
    {
        Tree = timings[5],
        Shown = timings[6],
        FirstKey = timings[7],
        Click = timings[9],
        Adopted = timings[10],
        TypingSeen = seen,
    };
}

static double P(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";

internal sealed record Sample(double Fcp, double Typing, double JsTransferredBeforeFcp, double JsDecodedBeforeFcp, double JsTransferredUntilTyping, double JsDecodedUntilTyping, string[] Transfers)
{
    /// <summary>When the file tree showed README.md (the workbench is rendered and the agent answered).</summary>
    public double Tree { get; init; }

    /// <summary>When README.md's text showed in Monaco (the editor bundle is loaded and the file read).</summary>
    public double Shown { get; init; }

    /// <summary>When the harness's first key (after its click) reached the page: the harness's own delay after Shown.</summary>
    public double FirstKey { get; init; }

    /// <summary>When the harness's click reached the page (mousedown).</summary>
    public double Click { get; init; }

    /// <summary>When the workbench, once Blazor rendered it, took over the editor started by the page's shell (NaN: none was).</summary>
    public double Adopted { get; init; }

    /// <summary>When the harness, polling through the DevTools protocol, saw the typed characters (the measure until 2026-12-08).</summary>
    public double TypingSeen { get; init; }
}
