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
        // Named by the repository's short name (its path is under it).
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "linter", Exact = true })).ToBeVisibleAsync();
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

    /// <summary>Links the dashboard used to ignore without a word, and links refused by the variable rule.</summary>
    [Theory]
    [InlineData("github.com/org/repo", "Add \"https://\" in front")]
    [InlineData("git@github.com:org/repo.git", "SSH URLs are not supported")]
    [InlineData("ssh://git@github.com/org/repo.git", "SSH URLs are not supported")]
    [InlineData("git://github.com/org/repo.git", "git:// protocol is not supported")]
    [InlineData("ftp://example.com/repo.git", "URLs are not supported")]
    [InlineData("repo", "Relative paths are not supported")]
    [InlineData("%E0%A4%A", "The link is damaged")]
    [InlineData("1ABC=x/https://github.com/org/repo", "not a valid variable name")]
    [InlineData("GREETING=hi", "no repository follows them")]
    [InlineData("JAVA_TOOL_OPTIONS=-javaagent:x.jar/https://github.com/org/repo", "loader and runtime hooks")]
    [InlineData("HTTPS_PROXY=http://evil.example/https://github.com/org/repo", "proxy and TLS settings")]
    [InlineData("GREETING=a%E2%80%AEb/https://github.com/org/repo", "invisible formatting")]
    [InlineData("http://169.254.169.254/latest/meta-data", "not at a public address")]
    public async Task OpenLink_Malformed_PageSaysWhatIsWrong(string fragment, string message)
    {
        await using var context = await chromium.NewContextAsync(App);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await Accounts.SignInAsync(page, Email);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "No workspaces yet" })).ToBeVisibleAsync();

        await page.GotoAsync("/#" + fragment);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This link cannot be opened" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync(message);
    }

    [GeneratedRegex("/workspaces/[^/]+$")]
    private static partial Regex WorkspaceUrl();

    [GeneratedRegex("/account/login\\?ReturnUrl=")]
    private static partial Regex LoginUrl();
}
