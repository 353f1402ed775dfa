using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Infrastructure;

/// <summary>What a person sees of the workspace page's workbench, and the ways they reach its parts.</summary>
public static class WorkbenchPage
{
    /// <summary>The start screen has given way to the workbench: the workspace is ready.</summary>
    public static async Task WaitUntilReadyAsync(IPage page, float timeout = 30_000)
    {
        // data-panel is set by workbench.js once mounted: before that a click on a tab or a key lands on nothing. The
        // editor started before the circuit (a return visit) is in the workbench by then, not in its own frame.
        await Expect(page.Locator("#workbench[data-panel]:not([inert])")).ToBeVisibleAsync(new() { Timeout = timeout });
        await Expect(page.Locator(".start-screen")).ToHaveCountAsync(0);
        await Expect(page.Locator(".workbench-early")).ToHaveCountAsync(0);
    }

    /// <summary>Signs in, pastes a repository URL, creates the workspace and waits for its workbench.</summary>
    public static async Task OpenNewWorkspaceAsync(IPage page, string email, string repositoryUrl)
    {
        await page.GotoAsync("/account/login");
        await Accounts.SignInAsync(page, email);
        await page.Locator("#repository-url").FillAsync(repositoryUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = "New workspace" }).ClickAsync();
        await WaitUntilReadyAsync(page);
    }

    /// <summary>A tab of the bottom panel: Terminal, Ports, Tasks, Problems, Output.</summary>
    public static async Task ShowPanelAsync(IPage page, string name)
    {
        var tab = page.Locator(".wb-panel-tabs").GetByRole(AriaRole.Tab, new() { Name = name, Exact = true });
        await tab.ClickAsync();
        await Expect(tab).ToHaveAttributeAsync("aria-selected", "true");
    }

    /// <summary>A view of the activity bar: Explorer, Search, Source Control, Ports &amp; Previews, Tasks (clicked only when not shown).</summary>
    public static async Task ShowViewAsync(IPage page, string id)
    {
        var tab = page.Locator($".wb-activity [data-view='{id}']");
        if (await tab.GetAttributeAsync("aria-selected") != "true")
        {
            await tab.ClickAsync();
        }
    }

    /// <summary>Runs a command from the palette (Ctrl+Shift+P), as a person would: by typing part of its name.</summary>
    public static async Task RunCommandAsync(IPage page, string title)
    {
        await page.Keyboard.PressAsync("Control+Shift+P");
        var input = page.GetByRole(AriaRole.Combobox, new() { Name = "Type the name of a command to run" });
        await Expect(input).ToBeFocusedAsync();
        await input.FillAsync(title);
        await Expect(page.Locator(".palette-item.selected .palette-title")).ToHaveTextAsync(title);
        await page.Keyboard.PressAsync("Enter");
    }
}
