using Microsoft.Playwright;
using Workspaces.EndToEnd.Tests.Infrastructure;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Previews;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Journeys;

/// <summary>A workspace whose task failed says so where the eye is, and so does the preview of the port it should serve.</summary>
[Collection(BrowserCollection.Name)]
public sealed class FailedTaskTests(ChromiumFixture chromium) : SignedInJourney("ida@example.com")
{
    [Fact]
    public async Task Workspace_TaskFailed_HeaderStatusBarAndPreviewSaySo()
    {
        var port = PreviewServer.FreePort();
        var repository = await Repositories.CreateAsync("web/broken", new GitRepositoryBuilder()
            .WithGitpodYml($"tasks:\n  - name: dev server\n    command: echo port {port} is already in use; exit 3\nports:\n  - port: {port}\n    onOpen: ignore\n"));
        await using var context = await chromium.NewContextAsync(App);
        var page = await context.NewPageAsync();
        await WorkbenchPage.OpenNewWorkspaceAsync(page, Email, repository.FileUrl);

        // Not just "Running": the header and the status bar say a task failed, and lead to its output.
        await Expect(page.Locator("header.workspace-header [data-status]")).ToHaveTextAsync("Running: 1 task failed", new() { Timeout = 5_000 });
        var status = page.Locator(".wb-status [data-status=tasks-failed]");
        await Expect(status).ToContainTextAsync("Running: 1 task failed");
        await Expect(status).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex($"dev server failed in command \\(exit code 3\\):\\n[\\s\\S]*port {port} is already in use"));
        // The header's link opens the failed task's own terminal, with its output and exit code, as VS Code's task terminal does.
        // The task's own terminal is listed (its tab marked as exited) once the page has the terminals: the link leads there.
        await Expect(page.Locator(".terminal-tab.exited", new() { HasText = "dev server" })).ToHaveCountAsync(1);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show its output" }).ClickAsync();
        await Expect(page.Locator("#wb-panel-terminal")).ToBeVisibleAsync();
        await Expect(page.Locator(".terminal-tab.active")).ToContainTextAsync("dev server (exit 3)");
        await Expect(page.Locator(".terminal-view:not([hidden]) .xterm-rows")).ToContainTextAsync($"port {port} is already in use");
        await Screenshots.TakeAsync(page, "task-failed");

        // The status bar's item leads there too, after the user went elsewhere; the Tasks panel keeps the log.
        await page.Locator(".wb-panel-tabs [data-panel=tasks]").ClickAsync();
        await Expect(page.Locator("details.task pre.log")).ToContainTextAsync($"port {port} is already in use");
        await status.ClickAsync();
        await Expect(page.Locator("#wb-panel-terminal")).ToBeVisibleAsync();
        await Expect(page.Locator(".terminal-tab.active")).ToContainTextAsync("dev server");

        // The declared port's preview says the task failed rather than waiting for it.
        await WorkbenchPage.ShowViewAsync(page, "ports");
        var previewUrl = await page.Locator($"#wb-view-ports li[data-port='{port}'] a").GetAttributeAsync("href");
        var preview = await context.NewPageAsync();
        await preview.GotoAsync(previewUrl!);
        await Expect(preview.GetByRole(AriaRole.Heading, new() { Name = $"The task “dev server” failed, so nothing listens on port {port}" })).ToBeVisibleAsync();
        await Expect(preview.Locator("body")).Not.ToContainTextAsync("Nothing is listening");

        // The dashboard, where a returning user looks first, says so too.
        await page.GotoAsync("/");
        await Expect(page.Locator("table.workspaces tr[data-workspace] [data-status]")).ToHaveTextAsync("Running: 1 task failed");
    }
}
