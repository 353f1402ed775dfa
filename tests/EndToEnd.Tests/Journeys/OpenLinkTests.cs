using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workspaces.EndToEnd.Tests.Infrastructure;
using Workspaces.TestSupport.Git;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Journeys;

/// <summary>Gitpod-style links, <c>https://workspaces.example/#&lt;repository url&gt;</c>, opened in a real browser.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class OpenLinkTests(ChromiumFixture chromium) : SignedInJourney("grace@example.com")
{
    [Fact]
    public async Task OpenLink_SignedIn_AsksFirstThenOpensTheWorkspace()
    {
        var repository = await Repositories.CreateAsync("tools/linter", new GitRepositoryBuilder()
            .WithFile("README.md", "# Linter\n")
            .WithGitpodYml("tasks:\n  - command: echo linting done\n"));
        await using var context = await chromium.NewContextAsync(App);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await Accounts.SignInAsync(page, Email);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "No workspaces yet" })).ToBeVisibleAsync();

        // The link pasted into the tab that shows the dashboard: only the fragment changes, the page must still react.
        await page.GotoAsync("/#" + repository.FileUrl);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Open a workspace?" })).ToBeVisibleAsync();
        await Expect(page.Locator("dl.facts")).ToContainTextAsync(repository.FileUrl);
        await Expect(page.Locator("dl.facts")).ToContainTextAsync("the default branch");
        await Expect(page.GetByText("nothing starts until you confirm")).ToBeVisibleAsync();
        await Screenshots.TakeAsync(page, "open-link-confirmation");

        await page.GetByRole(AriaRole.Button, new() { Name = "Open workspace" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(WorkspaceUrl());
        // A local repository is named by its path.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = repository.Path, Exact = true })).ToBeVisibleAsync();
        await WorkbenchPage.WaitUntilReadyAsync(page);
        await WorkbenchPage.ShowPanelAsync(page, "Tasks");
        var task = page.Locator("details.task");
        await Expect(task.Locator(".badge")).ToHaveTextAsync("done");
        await task.Locator("summary").ClickAsync();
        await Expect(task.Locator("pre.log")).ToBeVisibleAsync();
        await Expect(task.Locator("pre.log")).ToContainTextAsync("linting done");
    }

    [Fact]
    public async Task OpenLink_SignedOut_GoesThroughSignInToTheConfirmation()
    {
        var repository = await Repositories.CreateAsync("tools/formatter");
        await using var context = await chromium.NewContextAsync(App);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/#" + repository.FileUrl);
        await Expect(page).ToHaveURLAsync(LoginUrl());
        await Accounts.SignInAsync(page, Email);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Open a workspace?" })).ToBeVisibleAsync();
        await Expect(page.Locator("dl.facts")).ToContainTextAsync(repository.FileUrl);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Open workspace" })).ToBeEnabledAsync();
    }

    [GeneratedRegex("/workspaces/[^/]+$")]
    private static partial Regex WorkspaceUrl();

    [GeneratedRegex("/account/login\\?ReturnUrl=")]
    private static partial Regex LoginUrl();
}
