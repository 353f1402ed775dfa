using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workspaces.EndToEnd.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Journeys;

/// <summary>Sessions end on the server: signing out in one browser reaches a page left open in another.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class SessionTests(ChromiumFixture chromium) : SignedInJourney("ada@example.com")
{
    [Fact]
    public async Task OpenDashboard_SignedOutFromACopyOfItsCookie_GoesToTheSignInPageByItself()
    {
        await using var first = await chromium.NewContextAsync(App);
        var page = await first.NewPageAsync();
        await page.GotoAsync("/");
        await Accounts.SignInAsync(page, Email);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
        // The page's circuit is live (the interactive dashboard answers).
        await page.WaitForFunctionAsync("() => window.Blazor !== undefined");

        // A second browser holding the same cookie signs out.
        await using var second = await chromium.NewContextAsync(App);
        await second.AddCookiesAsync((await first.CookiesAsync()).Select(c => new Cookie
        {
            Name = c.Name,
            Value = c.Value,
            Url = App.BaseUrl.AbsoluteUri,
            Secure = c.Secure,
            HttpOnly = c.HttpOnly,
            SameSite = c.SameSite,
        }));
        var other = await second.NewPageAsync();
        await other.GotoAsync("/settings");
        await other.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(other).ToHaveURLAsync(LoginUrl());

        // The first page, untouched, leaves for the sign-in page; its cookie no longer opens anything.
        await Expect(page).ToHaveURLAsync(LoginUrl());
        await page.GotoAsync("/settings");
        await Expect(page).ToHaveURLAsync(LoginUrl());
    }

    [GeneratedRegex("/account/login")]
    private static partial Regex LoginUrl();
}
