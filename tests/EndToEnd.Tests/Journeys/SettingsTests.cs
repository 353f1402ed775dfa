using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workspaces.EndToEnd.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Journeys;

/// <summary>The settings page in a real browser: Git host tokens and personal access tokens.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class SettingsTests(ChromiumFixture chromium) : IAsyncLifetime
{
    private const string Email = "linus@example.com";
    private WorkspacesApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = WorkspacesApp.Start();
        await _app.CreateFirstAccountAsync(Email, Accounts.Password);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Settings_GitTokenSaved_ListsTheHostButNeverShowsTheToken()
    {
        const string secret = "ghp_s3cr3tTokenValue0123456789";
        await using var context = await chromium.NewContextAsync(_app);
        var page = await SignedInSettingsPageAsync(context);

        await page.GetByLabel("Host").FillAsync("git.example.com");
        await page.GetByLabel("Username").FillAsync("octocat");
        await page.GetByLabel("Token", new() { Exact = true }).FillAsync(secret);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save token" }).ClickAsync();

        var row = page.Locator("tr[data-host='git.example.com']");
        await Expect(row).ToContainTextAsync("git.example.com");
        await Expect(row).ToContainTextAsync("octocat");
        await Expect(page.GetByLabel("Token", new() { Exact = true })).ToHaveValueAsync("");
        await Expect(page.Locator("body")).Not.ToContainTextAsync(secret);
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

        await page.ReloadAsync();
        await Expect(row).ToContainTextAsync("octocat");
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_PersonalAccessTokenCreated_ShowsItOnceOnly()
    {
        await using var context = await chromium.NewContextAsync(_app);
        var page = await SignedInSettingsPageAsync(context);

        await page.GetByLabel("Token name").FillAsync("deploy script");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();

        await Expect(page.GetByText("Copy your new token now; it will not be shown again")).ToBeVisibleAsync();
        var token = page.Locator("#new-token");
        await Expect(token).ToHaveTextAsync(NewToken());
        var value = await token.TextContentAsync();
        var listed = page.Locator("section[aria-labelledby=api-tokens] tbody tr");
        await Expect(listed).ToContainTextAsync("deploy script");
        await Expect(listed.Locator("td.mono")).Not.ToHaveTextAsync(value!);
        await Screenshots.TakeAsync(page, "settings-new-token");

        await page.ReloadAsync();
        await Expect(listed).ToContainTextAsync("deploy script");
        await Expect(token).ToHaveCountAsync(0);
        Assert.DoesNotContain(value!, await page.ContentAsync(), StringComparison.Ordinal);
    }

    private static async Task<IPage> SignedInSettingsPageAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("/settings");
        await Accounts.SignInAsync(page, Email);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Settings" })).ToBeVisibleAsync();
        return page;
    }

    [GeneratedRegex("^wst_\\S{20,}$")]
    private static partial Regex NewToken();
}
