using Microsoft.Playwright;
using Workspaces.EndToEnd.Tests.Infrastructure;
using Workspaces.TestSupport.Git;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Journeys;

/// <summary>A terminal in the browser: typed into, read back from the page, still there after a reload and in a second window.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TerminalJourneyTests(ChromiumFixture chromium) : SignedInJourney("linus@example.com")
{
    [Fact]
    public async Task Terminal_TypedCommand_OutputShownKeptAfterReloadAndSharedWithASecondWindow()
    {
        var repository = await Repositories.CreateAsync("tools/shell", new GitRepositoryBuilder().WithFile("README.md", "# Shell\n"));
        await using var context = await chromium.NewContextAsync(App);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await Accounts.SignInAsync(page, Email);
        await page.Locator("#repository-url").FillAsync(repository.FileUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = "New workspace" }).ClickAsync();
        await WorkbenchPage.WaitUntilReadyAsync(page);

        // The terminal is in the workbench's bottom panel, beside the editor on the first screen.
        var activeTab = page.Locator(".terminal-tab.active");
        await Expect(activeTab).ToBeVisibleAsync(new() { Timeout = 15_000 });
        var screen = page.Locator(".terminal-view:not([hidden]) .xterm-rows");
        // The shell's prompt, in the repository's directory.
        await Expect(screen).ToContainTextAsync(new System.Text.RegularExpressions.Regex("shell ?[#$]"), new() { Timeout = 15_000 });

        await page.Locator(".terminal-view:not([hidden]) .xterm").ClickAsync();
        await page.Keyboard.TypeAsync("echo $((6*7))-from-the-shell\n");
        await Expect(screen).ToContainTextAsync("42-from-the-shell", new() { Timeout = 10_000 });
        await Screenshots.TakeAsync(page, "terminal");

        await page.ReloadAsync();
        await WorkbenchPage.WaitUntilReadyAsync(page);
        await Expect(page.Locator(".terminal-view:not([hidden]) .xterm-rows")).ToContainTextAsync("42-from-the-shell", new() { Timeout = 15_000 });

        // The same workspace in a second window: the same terminal, live.
        var second = await context.NewPageAsync();
        await second.GotoAsync(page.Url);
        await WorkbenchPage.WaitUntilReadyAsync(second);
        var secondScreen = second.Locator(".terminal-view:not([hidden]) .xterm-rows");
        await Expect(secondScreen).ToContainTextAsync("42-from-the-shell", new() { Timeout = 15_000 });
        await page.Locator(".terminal-view:not([hidden]) .xterm").ClickAsync();
        await page.Keyboard.TypeAsync("echo seen-$((2+3))-twice\n");
        await Expect(secondScreen).ToContainTextAsync("seen-5-twice", new() { Timeout = 10_000 });

        // VS Code's shortcut opens another terminal.
        var tabs = await page.Locator(".terminal-tab").CountAsync();
        await page.Keyboard.PressAsync("Control+Shift+Backquote");
        await Expect(page.Locator(".terminal-tab")).ToHaveCountAsync(tabs + 1);
    }
}
