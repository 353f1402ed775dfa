using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Workspaces.EndToEnd.Tests.Infrastructure;
using Workspaces.TestSupport.Git;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Journeys;

/// <summary>
/// The workspace page as a workbench: it fills the window at every size, passes an accessibility audit, follows the
/// operating system's theme (Monaco and xterm.js too), works from the keyboard alone, and comes back as it was left.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class WorkbenchJourneyTests(ChromiumFixture chromium) : SignedInJourney("ada@example.com")
{
    private static readonly string[] Regions = [".topbar", ".workspace-header", ".wb-activity", ".wb-sidebar", ".wb-editors", ".wb-panel", ".wb-status"];

    [Fact]
    public async Task Workbench_AtDesktopAndPhoneSizesInBothThemes_FillsTheWindowAndPassesTheAudit()
    {
        var repository = await Repositories.CreateAsync("tools/layout", new GitRepositoryBuilder()
            .WithFile("README.md", "# Layout\n")
            .WithFile("src/app.js", "export const answer = 42;\n"));
        await using var context = await chromium.NewContextAsync(App);
        var page = await context.NewPageAsync();
        // The operating system is in dark mode.
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await page.SetViewportSizeAsync(1280, 720);
        await WorkbenchPage.OpenNewWorkspaceAsync(page, Email, repository.FileUrl);
        await Expect(page.Locator(".terminal-tab.active")).ToBeVisibleAsync();
        await page.Locator(".tree-row[data-path='README.md']").ClickAsync();
        await Expect(page.Locator(".ide-editor .view-lines")).ToContainTextAsync("# Layout");

        // Dark, as the system: the page, Monaco and the terminal.
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        await Expect(page.Locator(".ide-editor .monaco-editor").First).ToHaveClassAsync(VsDark());
        Assert.Equal("rgb(30, 30, 30)", await TerminalBackgroundAsync(page));
        await AssertFillsTheWindowAsync(page, Regions);
        await Screenshots.TakeAsync(page, "workbench-1280x720-dark");
        await AssertNoSeriousViolationsAsync(page);

        // Switched to light from the command palette: everything follows, and it stays light across a reload.
        await WorkbenchPage.RunCommandAsync(page, "Preferences: Color Theme: Light");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "light");
        await Expect(page.Locator(".ide-editor .monaco-editor").First).Not.ToHaveClassAsync(VsDark());
        Assert.Equal("rgb(255, 255, 255)", await TerminalBackgroundAsync(page));
        await Screenshots.TakeAsync(page, "workbench-1280x720-light");
        await AssertNoSeriousViolationsAsync(page);

        await page.SetViewportSizeAsync(1920, 1080);
        await AssertFillsTheWindowAsync(page, Regions);
        await Screenshots.TakeAsync(page, "workbench-1920x1080");

        // A phone: the side bar becomes a drawer (closed), the rest still fits without scrolling.
        await page.SetViewportSizeAsync(390, 844);
        await page.ReloadAsync();
        await WorkbenchPage.WaitUntilReadyAsync(page);
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "light");
        await AssertFillsTheWindowAsync(page, [".workspace-header", ".wb-activity", ".wb-editors", ".wb-panel", ".wb-status"]);
        await Expect(page.Locator(".wb-sidebar")).ToBeHiddenAsync();
        await page.Locator(".wb-activity [data-view='explorer']").ClickAsync();
        await Expect(page.Locator(".wb-sidebar")).ToBeVisibleAsync();
        await AssertFillsTheWindowAsync(page, [".wb-sidebar"]);
        await Screenshots.TakeAsync(page, "workbench-390x844");

        // Following the system again: dark.
        await page.SetViewportSizeAsync(1280, 720);
        await WorkbenchPage.RunCommandAsync(page, "Preferences: Color Theme: Follow the Operating System");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        Assert.Equal("rgb(30, 30, 30)", await TerminalBackgroundAsync(page));
    }

    [Fact]
    public async Task Workbench_KeyboardOnly_OpensEditsSavesRunsACommandAndComesBackAfterAReload()
    {
        var repository = await Repositories.CreateAsync("tools/keys", new GitRepositoryBuilder()
            .WithFile("README.md", "# Keys\n")
            .WithFile("src/app.js", "const a = 1;\nconst b = 2;\n"));
        await using var context = await chromium.NewContextAsync(App);
        var page = await context.NewPageAsync();
        await page.SetViewportSizeAsync(1280, 720);
        await WorkbenchPage.OpenNewWorkspaceAsync(page, Email, repository.FileUrl);
        var workspaceId = page.Url.TrimEnd('/').Split('/')[^1];
        var file = Path.Combine(App.WorkspaceDirectory(workspaceId), "keys", "src", "app.js");
        await Expect(page.Locator(".terminal-tab.active")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(page.Locator(".tree-row[data-path='src']")).ToBeVisibleAsync();

        // The file tree: Ctrl+0 focuses it (a visible focus ring on the row), arrows move and open, Enter opens a file.
        await page.Keyboard.PressAsync("Control+0");
        await Expect(page.Locator(".tree-row[data-path='src']")).ToBeFocusedAsync();
        Assert.NotEqual("none", await page.Locator(".tree-row[data-path='src']").EvaluateAsync<string>("e => getComputedStyle(e).outlineStyle"));
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(page.Locator(".tree-row[data-path='src']")).ToHaveAttributeAsync("aria-expanded", "true");
        await page.Keyboard.PressAsync("ArrowDown");
        await Expect(page.Locator(".tree-row[data-path='src/app.js']")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".ide-tab.active")).ToHaveAttributeAsync("data-path", "src/app.js");
        await Expect(page.Locator(".ide-editor .view-lines")).ToContainTextAsync("const b = 2;");

        // Edit and save without the mouse.
        await Expect(EditorWithFocus(page)).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Control+End");
        await page.Keyboard.TypeAsync("const c = 3;");
        await page.Keyboard.PressAsync("Control+s");
        await Expect(page.Locator(".ide-tab.dirty")).ToHaveCountAsync(0, new() { Timeout = 10_000 });
        Assert.Equal("const a = 1;\nconst b = 2;\nconst c = 3;", await File.ReadAllTextAsync(file));

        // Ctrl+` goes to the terminal; a command runs there.
        await page.Keyboard.PressAsync("Control+Backquote");
        await Expect(page.Locator(".terminal-view:not([hidden]) textarea")).ToBeFocusedAsync();
        var screen = page.Locator(".terminal-view:not([hidden]) .xterm-rows");
        await Expect(screen).ToContainTextAsync(new Regex("keys ?[#$]"), new() { Timeout = 15_000 });
        await page.Keyboard.TypeAsync("echo $((3*4))-from-the-keyboard\n");
        await Expect(screen).ToContainTextAsync("12-from-the-keyboard", new() { Timeout = 10_000 });

        // Focus always leaves the terminal: Ctrl+` back to the editor, F6 to the next part, Ctrl+M then Tab.
        await page.Keyboard.PressAsync("Control+Backquote");
        await Expect(EditorWithFocus(page)).ToBeVisibleAsync();
        await Expect(page.Locator(".workbench")).ToHaveAttributeAsync("data-panel", "closed");
        await page.Keyboard.PressAsync("Control+Backquote");
        await Expect(page.Locator(".terminal-view:not([hidden]) textarea")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("F6");
        // The workbench moves focus in the next animation frame: wait for it to leave the terminal.
        await Expect(page.Locator(".xterm:focus-within")).ToHaveCountAsync(0);
        await page.Keyboard.PressAsync("Control+Backquote");
        await Expect(page.Locator(".terminal-view:not([hidden]) textarea")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Control+m");
        await Expect(page.Locator("[data-status='tab-focus']")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Tab");
        Assert.False(await InTerminalAsync(page), "with Ctrl+M, Tab moves focus out of the terminal");

        // With Tab moving focus, Tab reaches every part of the workbench from the top of the page.
        await page.Locator(".topbar .brand").FocusAsync();
        var reached = new HashSet<string>();
        for (var i = 0; i < 150 && reached.Count < 5; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var part = await page.EvaluateAsync<string?>("() => document.activeElement?.closest('.wb-activity, .wb-sidebar, .wb-editors, .wb-panel, .wb-status')?.className.split(' ')[0] ?? null");
            if (part is not null)
            {
                reached.Add(part);
            }
        }

        Assert.Equal(["wb-activity", "wb-editors", "wb-panel", "wb-sidebar", "wb-status"], reached.Order());
        await page.Keyboard.PressAsync("Control+m");

        // Ctrl+B hides and shows the side bar; Ctrl+\ splits the editor into a second group.
        await page.Keyboard.PressAsync("Control+1");
        await page.Keyboard.PressAsync("Control+b");
        await Expect(page.Locator(".wb-sidebar")).ToBeHiddenAsync();
        await page.Keyboard.PressAsync("Control+b");
        await Expect(page.Locator(".wb-sidebar")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Control+Backslash");
        await Expect(page.Locator(".ide-group")).ToHaveCountAsync(2);
        await Expect(page.Locator(".ide-group[data-group='1'] .ide-tab.active")).ToHaveAttributeAsync("data-path", "src/app.js");
        await page.Keyboard.PressAsync("Control+g");
        await page.Keyboard.TypeAsync("2:7");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("[data-status='position']")).ToHaveTextAsync("Ln 2, Col 7");

        // The command palette, from the terminal too (F1 as well), lists every action with its key.
        await page.Keyboard.PressAsync("Control+Backquote");
        await Expect(page.Locator(".terminal-view:not([hidden]) textarea")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Control+Shift+P");
        var palette = page.GetByRole(AriaRole.Dialog, new() { Name = "Command palette" });
        await Expect(palette).ToBeVisibleAsync();
        foreach (var (title, key) in new[]
        {
            ("File: Save", "Ctrl+S"), ("Go to File…", "Ctrl+P"), ("Terminal: Create New Terminal", "Ctrl+Shift+`"),
            ("View: Split Editor", "Ctrl+\\"), ("View: Toggle Primary Side Bar Visibility", "Ctrl+B"), ("View: Toggle Terminal", "Ctrl+`"),
        })
        {
            await Expect(palette.Locator(".palette-item", new() { HasText = title }).First.Locator("kbd")).ToHaveTextAsync(key);
        }

        foreach (var title in new[] { "Git: Commit", "Git: Push", "Workspace: Stop", "Workspace: Restart", "Ports: Show Ports", "File: New File…" })
        {
            await Expect(palette.Locator(".palette-item", new() { HasText = title }).First).ToBeAttachedAsync();
        }

        await page.Keyboard.PressAsync("Escape");
        await Expect(palette).ToBeHiddenAsync();
        await Expect(page.Locator(".terminal-view:not([hidden]) textarea")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("F1");
        await Expect(palette).ToBeVisibleAsync();
        await page.Keyboard.TypeAsync("show output");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".wb-panel-view[data-panel='output']")).ToBeVisibleAsync();
        await Expect(page.Locator(".output-text")).ToContainTextAsync("Start timings");

        // The side bar made wider from the keyboard (its sash).
        await page.Locator("[data-sash='sidebar']").FocusAsync();
        var before = await SideBarWidthAsync(page);
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("ArrowRight");
        var wider = await SideBarWidthAsync(page);
        Assert.Equal(before + 32, wider);
        await Screenshots.TakeAsync(page, "workbench-keyboard");

        // A reload brings back the layout, both groups with their tab, the cursor and the panel's tab.
        await page.ReloadAsync();
        await WorkbenchPage.WaitUntilReadyAsync(page);
        await Expect(page.Locator(".ide-group")).ToHaveCountAsync(2, new() { Timeout = 15_000 });
        await Expect(page.Locator(".ide-group[data-group='0'] .ide-tab.active")).ToHaveAttributeAsync("data-path", "src/app.js");
        await Expect(page.Locator(".ide-group[data-group='1'] .ide-tab.active")).ToHaveAttributeAsync("data-path", "src/app.js");
        await Expect(page.Locator(".wb-panel-view[data-panel='output']")).ToBeVisibleAsync();
        Assert.Equal(wider, await SideBarWidthAsync(page));
        await page.Keyboard.PressAsync("Control+2");
        await Expect(page.Locator("[data-status='position']")).ToHaveTextAsync("Ln 2, Col 7");
    }

    private static async Task AssertFillsTheWindowAsync(IPage page, IEnumerable<string> regions)
    {
        var size = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollHeight, innerHeight, document.documentElement.scrollWidth, innerWidth]");
        Assert.True(size[0] == size[1], $"document scroll height {size[0]} != viewport height {size[1]}");
        Assert.True(size[2] <= size[3], $"document scroll width {size[2]} > viewport width {size[3]}");
        foreach (var region in regions)
        {
            var box = await page.Locator(region).First.BoundingBoxAsync();
            Assert.True(box is { Width: > 0, Height: > 0 }, $"{region} is not visible");
            Assert.True(box.X >= 0 && box.Y >= 0 && box.X + box.Width <= size[3] + 0.5 && box.Y + box.Height <= size[1] + 0.5,
                $"{region} ({box.X},{box.Y} {box.Width}x{box.Height}) is outside the {size[3]}x{size[1]} window");
        }
    }

    private static async Task AssertNoSeriousViolationsAsync(IPage page)
    {
        var result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious.Select(v =>
            $"{v.Impact} {v.Id}: {v.Help} — {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}")));
    }

    // xterm.js paints its theme's background as an inline style on its scrollable element.
    private static Task<string> TerminalBackgroundAsync(IPage page) =>
        page.Locator(".terminal-view:not([hidden]) .xterm").EvaluateAsync<string>(
            "e => getComputedStyle([...e.querySelectorAll('*')].find((c) => c.style.backgroundColor) ?? e).backgroundColor");

    // Monaco marks the editor that has the text focus (its input is a textarea or an edit context, by version).
    private static ILocator EditorWithFocus(IPage page) => page.Locator(".ide-editor .monaco-editor.focused");

    private static Task<bool> InTerminalAsync(IPage page) =>
        page.EvaluateAsync<bool>("() => Boolean(document.activeElement?.closest('.xterm'))");

    private static Task<int> SideBarWidthAsync(IPage page) =>
        page.Locator(".wb-sidebar").EvaluateAsync<int>("e => Math.round(e.getBoundingClientRect().width)");

    [GeneratedRegex("vs-dark")]
    private static partial Regex VsDark();
}
