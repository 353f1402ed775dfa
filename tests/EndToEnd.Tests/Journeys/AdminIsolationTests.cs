using Microsoft.Playwright;
using Workspaces.EndToEnd.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Journeys;

/// <summary>A server where workspaces cannot be sandboxed (bubblewrap missing): its administrator reads why, and what to do, on the admin page.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AdminIsolationTests(ChromiumFixture chromium) : IAsyncLifetime
{
    private const string Email = "root-admin@example.com";
    private WorkspacesApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = WorkspacesApp.Start(new Dictionary<string, string> { ["Workspaces:Sandbox:BubblewrapPath"] = "/nonexistent/bwrap" });
        await _app.CreateFirstAccountAsync(Email, Accounts.Password);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task AdminPage_SandboxUnavailable_SaysWhyAndWhatToDo()
    {
        await using var context = await chromium.NewContextAsync(_app);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await Accounts.SignInAsync(page, Email);
        await page.GotoAsync("/admin");

        var warning = page.Locator("[data-isolation='degraded']");
        await Expect(warning.GetByRole(AriaRole.Heading, new() { Name = "Workspaces are not isolated" })).ToBeVisibleAsync();
        await Expect(warning).ToContainTextAsync("/nonexistent/bwrap is missing: install the Debian package 'bubblewrap'");
        await Expect(warning).ToContainTextAsync("Workspaces:Isolation=None");
    }
}
