using Microsoft.Playwright;
using Workspaces.EndToEnd.Tests.Infrastructure;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Previews;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Journeys;

/// <summary>A server started in the terminal gets a port, a private preview, and a share link that works until revoked.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PreviewJourneyTests(ChromiumFixture chromium) : SignedInJourney("grace@example.com")
{
    [Fact]
    public async Task Preview_ServerStartedInTheTerminal_OpensPrivatelySharesByLinkAndRevokes()
    {
        var repository = await Repositories.CreateAsync("web/site", new GitRepositoryBuilder().WithFile(PreviewServer.FileName, PreviewServer.Script));
        await using var context = await chromium.NewContextAsync(App);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await Accounts.SignInAsync(page, Email);
        await page.Locator("#repository-url").FillAsync(repository.FileUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = "New workspace" }).ClickAsync();
        await WorkbenchPage.WaitUntilReadyAsync(page);

        var port = PreviewServer.FreePort();
        await Expect(page.Locator(".terminal-tab.active")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        var screen = page.Locator(".terminal-view:not([hidden]) .xterm-rows");
        await Expect(screen).ToContainTextAsync(new System.Text.RegularExpressions.Regex("site ?[#$]"), new() { Timeout = 15_000 });
        await page.Locator(".terminal-view:not([hidden]) .xterm").ClickAsync();
        await page.Keyboard.TypeAsync($"python3 {PreviewServer.FileName} {port}\n");

        // The port appears by itself in the Ports panel, private, with its own origin.
        await WorkbenchPage.ShowPanelAsync(page, "Ports");
        var row = page.Locator($".ports-table tr[data-port='{port}']");
        await Expect(row).ToContainTextAsync("listening", new() { Timeout = 15_000 });
        var visibility = row.GetByLabel($"Visibility of port {port}");
        await Expect(visibility).ToHaveValueAsync("Private");
        // A personal workspace has no team: the choice is not offered, and the panel says why.
        await Expect(visibility.Locator("option")).ToHaveTextAsync(["Private", "Public"]);
        await Expect(page.Locator(".visibility-note")).ToContainTextAsync("Team visibility is not available: this workspace was not opened from a team project");
        await Expect(row.Locator("a")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex($"^http://{port}-[a-z0-9-]+\\.localhost:\\d+/$"));

        // The preview opens as an editor tab: the owner is let in through the ticket flow, inside the frame.
        await row.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Expect(page.Locator($".ide-tab.active[data-path^='preview:http://{port}-']")).ToBeVisibleAsync();
        await Expect(page.FrameLocator(".preview-frame").Locator("body")).ToContainTextAsync("hello from the workspace", new() { Timeout = 15_000 });
        await Screenshots.TakeAsync(page, "preview");

        // Reload on save: a save in the editor loads the preview again.
        await page.GetByLabel("Reload on save").CheckAsync();
        await page.Locator($".tree-row[data-path='{PreviewServer.FileName}']").ClickAsync();
        await Expect(page.Locator(".ide-editor .view-lines")).ToContainTextAsync("import", new() { Timeout = 15_000 });
        await page.Locator(".ide-editor .view-lines").ClickAsync();
        await page.Keyboard.PressAsync("Control+End");
        await page.Keyboard.TypeAsync("# edited\n");
        var previewOrigin = new Uri(await row.Locator("a").InnerTextAsync()).GetLeftPart(UriPartial.Authority);
        var reloaded = await page.RunAndWaitForRequestAsync(
            () => page.Keyboard.PressAsync("Control+s"),
            request => request.Url.StartsWith(previewOrigin, StringComparison.Ordinal) && request.IsNavigationRequest,
            new() { Timeout = 10_000 });
        Assert.Equal(previewOrigin + "/", reloaded.Url);
        await Expect(page.FrameLocator(".preview-frame").Locator("body")).ToContainTextAsync("hello from the workspace", new() { Timeout = 15_000 });

        // A share link, opened in a fresh browser with no session.
        await row.GetByRole(AriaRole.Button, new() { Name = "Share link…" }).ClickAsync();
        await page.GetByLabel("Label").FillAsync("for the demo");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create share link" }).ClickAsync();
        var linkInput = page.GetByLabel("Share link");
        await Expect(linkInput).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("/__workspaces/share/wsl_"));
        var shareUrl = await linkInput.InputValueAsync();

        await using var guest = await chromium.NewContextAsync(App);
        var guestPage = await guest.NewPageAsync();
        await guestPage.GotoAsync(shareUrl);
        await Expect(guestPage.Locator("body")).ToContainTextAsync("hello from the workspace");
        await Expect(page.Locator(".links-table tr.active")).ToContainTextAsync("for the demo");

        // Revoked: the guest is refused at once, and told why.
        await page.Locator(".links-table tr.active").GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Expect(page.Locator(".links-table tr.ended")).ToContainTextAsync("revoked");
        await guestPage.ReloadAsync();
        await Expect(guestPage.GetByRole(AriaRole.Heading, new() { Name = "This share link was revoked" })).ToBeVisibleAsync();

        // Stopped: the preview says so and links to the IDE, which asks before starting; the preview then retries by itself.
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Stopped" })).ToBeVisibleAsync(new() { Timeout = 15_000 });
        var preview = await context.NewPageAsync();
        await preview.GotoAsync(previewOrigin + "/");
        await Expect(preview.GetByRole(AriaRole.Heading, new() { Name = "The workspace is not running" })).ToBeVisibleAsync();
        var ide = await context.RunAndWaitForPageAsync(() => preview.GetByRole(AriaRole.Link, new() { Name = "Start the workspace…" }).ClickAsync());
        await Expect(ide.GetByRole(AriaRole.Heading, new() { Name = "Start this workspace?" })).ToBeVisibleAsync();
        await ide.GetByRole(AriaRole.Button, new() { Name = "Start workspace" }).ClickAsync();
        await WorkbenchPage.WaitUntilReadyAsync(ide);
        // The server was started by hand in a terminal, so the running workspace's preview now waits for it.
        await Expect(preview.GetByRole(AriaRole.Heading, new() { Name = $"Nothing is listening on port {port} yet" })).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await ide.CloseAsync();
        await preview.CloseAsync();
    }
}
