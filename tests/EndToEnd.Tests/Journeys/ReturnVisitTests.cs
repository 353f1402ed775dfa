using Microsoft.Playwright;
using Workspaces.EndToEnd.Tests.Infrastructure;
using Workspaces.TestSupport.Git;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Journeys;

/// <summary>Coming back to a workspace does not download the editor again: the browser's cache serves it, or a 304 confirms it.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class ReturnVisitTests(ChromiumFixture chromium) : SignedInJourney("ravi@example.com")
{
    [Fact]
    public async Task WorkspacePage_SecondVisit_LoadsItsScriptsFromTheCache()
    {
        var repository = await Repositories.CreateAsync("tools/cached", new GitRepositoryBuilder().WithFile("README.md", "# Cached\n"));
        await using var context = await chromium.NewContextAsync(App);
        var page = await context.NewPageAsync();
        await WorkbenchPage.OpenNewWorkspaceAsync(page, Email, repository.FileUrl);
        await page.Locator(".tree-row[data-path='README.md']").ClickAsync();
        await Expect(page.Locator(".ide-editor .view-lines")).ToContainTextAsync("# Cached");
        var first = await ScriptTransfersAsync(page);
        var workspace = page.Url;

        var again = await context.NewPageAsync();
        await again.GotoAsync(workspace);
        await WorkbenchPage.WaitUntilReadyAsync(again);
        await Expect(again.Locator(".ide-editor .view-lines")).ToContainTextAsync("# Cached");
        var second = await ScriptTransfersAsync(again);

        // The first visit downloads the editor compressed (megabytes of Monaco would be most of a slow link's wait).
        Assert.True(first.Sum(s => s.Decoded) > 2 * first.Sum(s => s.Transferred), $"Scripts were not compressed: {Describe(first)}");
        // The second transfers none of them again: at most a 304's headers each (Monaco's workers, started by their
        // plain URL), and the modules, entry points and chunks alike, not even a request: the page's import map sends
        // every import to the fingerprinted URL (it changes with the content), which the cache keeps as immutable.
        var modules = second.Where(s => !s.Path.EndsWith(".worker.js", StringComparison.Ordinal)).ToList();
        Assert.True(modules.Count(s => s.Path.Contains("/chunks/", StringComparison.Ordinal)) >= 2, $"The second visit loaded no chunks: {Describe(second)}");
        // Monaco is a classic script (dist/monaco.js), so that Chromium reuses its compiled code on a warm visit; it too
        // is loaded by its fingerprinted URL, or every visit would revalidate it and lose that cache.
        Assert.Contains(modules, s => s.Path.StartsWith("/dist/monaco.", StringComparison.Ordinal));
        Assert.All(second, s => Assert.True(s.Transferred < 2048, $"{s.Path} was downloaded again ({s.Transferred} bytes): {Describe(second)}"));
        Assert.All(modules, s => Assert.Matches(Fingerprinted(), s.Path));
        Assert.All(modules, s => Assert.True(s.Transferred == 0, $"{s.Path} was asked for again ({s.Transferred} bytes): {Describe(second)}"));
    }

    private static async Task<List<ScriptTransfer>> ScriptTransfersAsync(IPage page)
    {
        var entries = await page.EvaluateAsync<ScriptTransfer[]>("""
            () => performance.getEntriesByType('resource')
              .filter((r) => /\/dist\/.*\.js(\?|$)/.test(r.name))
              .map((r) => ({ path: new URL(r.name).pathname, transferred: r.transferSize, decoded: r.decodedBodySize }))
            """);
        return [.. entries];
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^/dist/(chunks/)?[A-Za-z0-9-]+\.[a-z0-9]{10}\.js$")]
    private static partial System.Text.RegularExpressions.Regex Fingerprinted();

    private static string Describe(IEnumerable<ScriptTransfer> transfers) =>
        string.Join(", ", transfers.Select(t => $"{t.Path} {t.Transferred}/{t.Decoded}"));

    // Settable properties: Playwright builds evaluation results with a parameterless constructor.
    private sealed class ScriptTransfer
    {
        public string Path { get; set; } = "";

        public long Transferred { get; set; }

        public long Decoded { get; set; }
    }
}
