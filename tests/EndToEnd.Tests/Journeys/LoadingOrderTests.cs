using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workspaces.EndToEnd.Tests.Infrastructure;
using Workspaces.TestSupport.Git;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Journeys;

/// <summary>
/// The workspace page loads the editor first: after a reload, what is typed into the restored file at once is kept, the
/// terminals and the language client connect only once the editor accepts typing, and the terminal's output comes back.
/// On a return visit the page's shell starts the editor before Blazor's circuit: what is typed there is kept when the
/// workbench takes the editor over, and a stopped workspace gets its start screen, not that editor.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LoadingOrderTests(ChromiumFixture chromium) : SignedInJourney("grace@example.com")
{
    // Each WebSocket the page opens, with whether the editor had said it accepts typing (html[data-editor-ready]) then,
    // and whether Blazor had rendered the workbench's editor hosts.
    private const string RecordSockets = """
        (() => {
          const Native = window.WebSocket;
          window.__sockets = [];
          window.WebSocket = class extends Native {
            constructor(url, protocols) {
              super(url, protocols);
              window.__sockets.push({
                url: String(url),
                editorReady: document.documentElement.dataset.editorReady === 'true',
                rendered: document.querySelector('[data-host="editors"]') !== null,
              });
            }
          };
        })();
        """;

    [Fact]
    public async Task WorkspacePage_Reload_TypingAtOnceIsKeptAndTerminalsComeBackAfterTheEditor()
    {
        var repository = await Repositories.CreateAsync("tools/order", new GitRepositoryBuilder().WithFile("README.md", "# Order\n"));
        await using var context = await chromium.NewContextAsync(App);
        var page = await context.NewPageAsync();
        await WorkbenchPage.OpenNewWorkspaceAsync(page, Email, repository.FileUrl);
        var workspaceId = page.Url.TrimEnd('/').Split('/')[^1];
        var screen = page.Locator(".terminal-view:not([hidden]) .xterm-rows");
        await Expect(screen).ToContainTextAsync(new Regex("order ?[#$]"), new() { Timeout = 15_000 });
        await page.Locator(".terminal-view:not([hidden]) .xterm").ClickAsync();
        await page.Keyboard.TypeAsync("echo $((6*7))-before-the-reload\n");
        await Expect(screen).ToContainTextAsync("42-before-the-reload", new() { Timeout = 10_000 });
        await page.Locator(".tree-row[data-path='README.md']").ClickAsync();
        await Expect(page.Locator(".ide-editor .view-lines")).ToContainTextAsync("# Order");
        var tabs = await page.Locator(".terminal-tab").CountAsync();

        await page.AddInitScriptAsync(RecordSockets);
        await page.ReloadAsync();

        // The restored file takes typing as soon as it shows, whatever else is still loading.
        var lines = page.Locator(".ide-editor .view-lines");
        await Expect(lines).ToContainTextAsync("# Order", new() { Timeout = 30_000 });
        await lines.ClickAsync();
        await page.Keyboard.PressAsync("Control+End");
        await page.Keyboard.TypeAsync("typed at once");
        await Expect(lines).ToContainTextAsync("typed at once");
        await page.Keyboard.PressAsync("Control+s");
        await Expect(page.Locator(".ide-tab.dirty")).ToHaveCountAsync(0, new() { Timeout = 10_000 });
        Assert.Equal("# Order\ntyped at once", await File.ReadAllTextAsync(Path.Combine(App.WorkspaceDirectory(workspaceId), "order", "README.md")));

        // The terminal connects after the editor, and its output is back as it was.
        await Expect(page.Locator(".terminal-view:not([hidden]) .xterm-rows")).ToContainTextAsync("42-before-the-reload", new() { Timeout = 15_000 });
        await Expect(page.Locator(".terminal-tab")).ToHaveCountAsync(tabs);
        var sockets = await page.EvaluateAsync<Socket[]>("() => window.__sockets");
        // The files hub's connection starts from the page's shell, before Blazor renders the editor, and the editor takes
        // it over rather than opening a second one.
        var files = Assert.Single(sockets, s => s.Url.Contains("/agent/hubs/files", StringComparison.Ordinal));
        Assert.False(files.Rendered, "the files hub's connection waited for the editor's first render");
        Assert.False(files.EditorReady);
        Assert.Contains(sockets, s => s.Url.Contains("/agent/hubs/terminals", StringComparison.Ordinal));
        Assert.All(
            sockets.Where(s => s.Url.Contains("/agent/hubs/terminals", StringComparison.Ordinal) || s.Url.Contains("/agent/hubs/languages", StringComparison.Ordinal)),
            s => Assert.True(s.EditorReady, $"{s.Url} was opened before the editor accepted typing"));

        // In a second window, a new terminal asked for as soon as the panel is there (before its connection has started,
        // or while it starts) opens, and is the only one added.
        var second = await context.NewPageAsync();
        await second.GotoAsync(page.Url);
        await second.Locator(".terminal-new").ClickAsync(new() { Timeout = 30_000 });
        await Expect(second.Locator(".terminal-tab")).ToHaveCountAsync(tabs + 1, new() { Timeout = 15_000 });
        await Expect(second.Locator(".terminal-tab.active")).ToBeVisibleAsync();
        await Expect(second.Locator(".terminal-view:not([hidden]) .xterm-rows")).ToContainTextAsync(new Regex("order ?[#$]"), new() { Timeout = 15_000 });
        await Expect(page.Locator(".terminal-tab")).ToHaveCountAsync(tabs + 1, new() { Timeout = 15_000 });
    }

    [Fact]
    public async Task WorkspacePage_ReturnVisit_TextTypedBeforeTheCircuitIsUpIsKeptAndSaved()
    {
        var repository = await Repositories.CreateAsync("tools/early", new GitRepositoryBuilder().WithFile("README.md", "# Early\n"));
        await using var context = await chromium.NewContextAsync(App);
        var page = await context.NewPageAsync();
        await WorkbenchPage.OpenNewWorkspaceAsync(page, Email, repository.FileUrl);
        var workspaceId = page.Url.TrimEnd('/').Split('/')[^1];
        await page.Locator(".tree-row[data-path='README.md']").ClickAsync();
        await Expect(page.Locator(".ide-editor .view-lines")).ToContainTextAsync("# Early");

        // Blazor's circuit is held back until the text is typed: everything before it is the page's shell and the agent.
        var circuit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync("**/_blazor/negotiate**", async route =>
        {
            await circuit.Task;
            await route.ContinueAsync();
        });
        await page.ReloadAsync(new() { WaitUntil = WaitUntilState.Commit });

        var early = page.Locator(".workbench-early .ide-editor .view-lines");
        await Expect(early).ToContainTextAsync("# Early", new() { Timeout = 30_000 });
        await early.ClickAsync();
        await page.Keyboard.PressAsync("Control+End");
        await page.Keyboard.TypeAsync("typed before the circuit");
        await Expect(early).ToContainTextAsync("typed before the circuit");
        await Expect(page.Locator("#workbench")).ToHaveCountAsync(0);
        Assert.Equal("# Early\n", await File.ReadAllTextAsync(Path.Combine(App.WorkspaceDirectory(workspaceId), "early", "README.md")));

        // The circuit comes: the workbench takes the same editor over, with the text, the cursor and the focus.
        circuit.SetResult();
        await WorkbenchPage.WaitUntilReadyAsync(page);
        var lines = page.Locator("#workbench .ide-editor .view-lines");
        await Expect(lines).ToContainTextAsync("typed before the circuit");
        await Expect(page.Locator("#workbench .ide-tab[data-path='README.md'].dirty")).ToHaveCountAsync(1);
        await page.Keyboard.TypeAsync(", and after");
        await Expect(lines).ToContainTextAsync("typed before the circuit, and after");
        await page.Keyboard.PressAsync("Control+s");
        await Expect(page.Locator(".ide-tab.dirty")).ToHaveCountAsync(0, new() { Timeout = 10_000 });
        Assert.Equal("# Early\ntyped before the circuit, and after", await File.ReadAllTextAsync(Path.Combine(App.WorkspaceDirectory(workspaceId), "early", "README.md")));
        // One undo stack across the move: undoing (word by word, as Monaco does) takes back what was typed, the part
        // before the circuit included, down to the file as it was read.
        for (var i = 0; i < 12; i++)
        {
            await page.Keyboard.PressAsync("Control+z");
        }

        await Expect(lines).Not.ToContainTextAsync("typed");
        await Expect(lines).ToContainTextAsync("# Early");
    }

    [Fact]
    public async Task WorkspacePage_ReturnVisitToAStoppedWorkspace_ShowsTheStartScreenWithoutTheEarlyEditor()
    {
        var repository = await Repositories.CreateAsync("tools/stopped", new GitRepositoryBuilder().WithFile("README.md", "# Stopped\n"));
        await using var context = await chromium.NewContextAsync(App);
        var page = await context.NewPageAsync();
        await WorkbenchPage.OpenNewWorkspaceAsync(page, Email, repository.FileUrl);
        await page.Locator(".tree-row[data-path='README.md']").ClickAsync();
        await Expect(page.Locator(".ide-editor .view-lines")).ToContainTextAsync("# Stopped");
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop", Exact = true }).ClickAsync();
        await Expect(page.Locator(".start-screen")).ToBeVisibleAsync(new() { Timeout = 30_000 });

        await page.ReloadAsync();

        // The agent refuses the early connection (nothing runs): the frame goes, and the start screen is what shows.
        await Expect(page.Locator(".start-screen")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.Locator(".workbench-early")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
    }

    // Settable properties: Playwright builds evaluation results with a parameterless constructor.
    private sealed class Socket
    {
        public string Url { get; set; } = "";

        public bool EditorReady { get; set; }

        public bool Rendered { get; set; }
    }
}
