using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Infrastructure;

/// <summary>What a person types on the account pages.</summary>
public static partial class Accounts
{
    public const string Password = "correct horse battery";

    /// <summary>Fills and submits the sign-in form the page shows.</summary>
    public static async Task SignInAsync(IPage page, string email, string password = Password)
    {
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>Fills and submits the registration form the page shows.</summary>
    public static async Task RegisterAsync(IPage page, string email, string password = Password)
    {
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel(PasswordLabel()).FillAsync(password);
        await page.GetByLabel("Confirm password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
    }

    [GeneratedRegex("^Password")]
    private static partial Regex PasswordLabel();
}
