using Microsoft.Playwright;
using Workspaces.EndToEnd.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Journeys;

/// <summary>The pages around the workbench on a phone, a laptop and a wide screen: nothing scrolls sideways, every page passes an audit.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PageLayoutTests(ChromiumFixture chromium) : SignedInJourney("layout@example.com")
{
    [Fact]
    public async Task Pages_OnAPhoneALaptopAndAWideScreen_FitWithoutSidewaysScrollAndPassAnAudit()
    {
        var repository = await Repositories.CreateAsync("acme/a-repository-with-a-rather-long-name-for-small-screens");
        // Its init never ends within the test, so its workspace shows the start screen for every size.
        var starting = await Repositories.CreateAsync("acme/a-project-whose-init-takes-its-time", new Workspaces.TestSupport.Git.GitRepositoryBuilder()
            .WithGitpodYml("tasks:\n  - name: install dependencies\n    init: echo installing; sleep 600\n    command: echo ready\n"));
        await using var context = await chromium.NewContextAsync(App);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await Accounts.SignInAsync(page, Email);
        await page.GotoAsync("/teams");
        await page.Locator("#team-name").FillAsync("Layout team");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create team" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Layout team" })).ToBeVisibleAsync();
        var team = page.Url;
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Layout");
        await page.GetByLabel("Repository URL").FillAsync(repository.FileUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create project" }).ClickAsync();
        await Expect(page.Locator("#project-link")).ToContainTextAsync("/open");
        var project = page.Url;
        await page.Locator("#variable-name").FillAsync("LAYOUT_SECRET");
        await page.Locator("#variable-value").FillAsync("s3cret");
        await page.Locator("#variable-secret").CheckAsync();
        await page.Locator("#save-variable").ClickAsync();
        await Expect(page.Locator("tr[data-variable=LAYOUT_SECRET]")).ToBeVisibleAsync();
        await page.Locator("#invite-to-project-button").ClickAsync();
        var invitation = (await page.Locator("#project-invitation-link").TextContentAsync())!.Trim();

        await page.GotoAsync("/");
        await page.Locator("#repository-url").FillAsync(starting.FileUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = "New workspace" }).ClickAsync();
        await Expect(page.Locator(".start-screen li.phase-current[data-phase=RunningTasks]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var startScreen = new Uri(page.Url).PathAndQuery;

        string[] pages = ["/", "/teams", team, project, project + "/open", "/settings", "/admin", "/admin/audit", "/open?link=" + Uri.EscapeDataString(repository.FileUrl)];
        await using var anonymousContext = await chromium.NewContextAsync(App);
        var anonymous = await anonymousContext.NewPageAsync();
        var problems = new List<string>();
        foreach (var (width, height) in PageChecks.Sizes)
        {
            await page.SetViewportSizeAsync(width, height);
            foreach (var path in pages)
            {
                await page.GotoAsync(path);
                await Expect(page.Locator("h1").First).ToBeVisibleAsync();
                await CheckAsync(page, $"{path} at {width}×{height}", problems);
            }

            await page.GotoAsync(startScreen);
            await Expect(page.Locator(".start-screen li.phase-current[data-phase=RunningTasks]")).ToBeVisibleAsync();
            await CheckAsync(page, $"the start screen at {width}×{height}", problems);

            await anonymous.SetViewportSizeAsync(width, height);
            await anonymous.GotoAsync(invitation);
            await Expect(anonymous.GetByRole(AriaRole.Heading, new() { Name = "Join Layout team" })).ToBeVisibleAsync();
            await CheckAsync(anonymous, $"the invitation at {width}×{height}", problems);
            await anonymous.GotoAsync("/account/login");
            await CheckAsync(anonymous, $"sign-in at {width}×{height}", problems);
        }

        Assert.True(problems.Count == 0, string.Join("\n\n", problems));
    }

    // Every page at every size is checked before the test fails, so one run lists every problem.
    private static async Task CheckAsync(IPage page, string where, List<string> problems)
    {
        foreach (var check in new Func<IPage, string, Task>[] { PageChecks.AssertNoSidewaysScrollAsync, PageChecks.AssertAccessibleAsync })
        {
            try
            {
                await check(page, where);
            }
            catch (Xunit.Sdk.TrueException e)
            {
                problems.Add(e.Message);
            }
        }

        var name = new string([.. where.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]).Trim('-');
        await Screenshots.TakeAsync(page, "layout-" + name[..Math.Min(name.Length, 80)]);
    }
}
