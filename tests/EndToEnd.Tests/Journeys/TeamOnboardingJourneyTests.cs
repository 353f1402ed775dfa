using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workspaces.EndToEnd.Tests.Infrastructure;
using Workspaces.TestSupport.Git;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Journeys;

/// <summary>
/// Team onboarding in a real browser: a lead sets up a team and a project once and invites; a newcomer in another
/// browser signs up through the invitation, follows the project link and is coding with the team's variables.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class TeamOnboardingJourneyTests(ChromiumFixture chromium) : IAsyncLifetime
{
    private const string Lead = "lead@example.com";
    private const string Newcomer = "newcomer@example.com";

    // Declared, never listened on: enough for a row in the ports panel.
    private const int DeclaredPort = 38517;
    private readonly GitRepositoryFixture _repositories = new();
    private WorkspacesApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = WorkspacesApp.Start();
        await _app.CreateFirstAccountAsync(Lead, Accounts.Password);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _repositories.Dispose();
    }

    [Fact]
    public async Task Newcomer_InvitedToATeamProject_GetsAReadyWorkspaceWithTheProjectVariable()
    {
        var repository = await _repositories.CreateAsync("acme/shop", new GitRepositoryBuilder()
            .WithFile("README.md", "# Shop\n")
            .WithGitpodYml($"tasks:\n  - command: echo shop is up\nports:\n  - port: {DeclaredPort}\n    name: shop\n"));

        // The lead: a team, a project with a variable, an invitation link.
        await using var leadContext = await chromium.NewContextAsync(_app);
        var lead = await leadContext.NewPageAsync();
        await lead.GotoAsync("/account/login");
        await Accounts.SignInAsync(lead, Lead);
        await Expect(lead.GetByRole(AriaRole.Link, new() { Name = "Teams" })).ToBeVisibleAsync();
        await lead.GetByRole(AriaRole.Link, new() { Name = "Teams" }).ClickAsync();
        await lead.Locator("#team-name").FillAsync("Shop team");
        await lead.GetByRole(AriaRole.Button, new() { Name = "Create team" }).ClickAsync();
        await Expect(lead.GetByRole(AriaRole.Heading, new() { Name = "Shop team" })).ToBeVisibleAsync();

        await lead.Locator("#project-name").FillAsync("Shop");
        await lead.Locator("#project-repository").FillAsync(repository.FileUrl);
        await lead.GetByRole(AriaRole.Button, new() { Name = "Create project" }).ClickAsync();
        await Expect(lead.Locator("#project-link")).ToContainTextAsync("/open");
        await lead.Locator("#variable-name").FillAsync("SHOP_GREETING");
        await lead.Locator("#variable-value").FillAsync("hello-from-the-team");
        await lead.Locator("#save-variable").ClickAsync();
        await Expect(lead.Locator("tr[data-variable=SHOP_GREETING]")).ToContainTextAsync("hello-from-the-team");
        await lead.Locator("#variable-name").FillAsync("SHOP_TOKEN");
        await lead.Locator("#variable-value").FillAsync("tok-do-not-show");
        await lead.Locator("#variable-secret").CheckAsync();
        await lead.Locator("#save-variable").ClickAsync();
        await Expect(lead.Locator("tr[data-variable=SHOP_TOKEN]")).ToContainTextAsync("secret");
        await Expect(lead.Locator("body")).Not.ToContainTextAsync("tok-do-not-show");
        var projectLink = (await lead.Locator("#project-link").TextContentAsync())!.Trim();
        await Expect(lead.Locator("#badge-markdown")).ToContainTextAsync("[![Open in Workspaces]");
        await Screenshots.TakeAsync(lead, "team-project");

        await lead.GetByRole(AriaRole.Link, new() { Name = "Shop team" }).ClickAsync();
        await lead.Locator("#create-invitation").ClickAsync();
        var invitationLink = (await lead.Locator("#invitation-link").TextContentAsync())!.Trim();
        Assert.Contains("/invite/", invitationLink, StringComparison.Ordinal);

        // The newcomer, in another browser: sign up through the invitation, join, follow the project link.
        await using var newcomerContext = await chromium.NewContextAsync(_app);
        var newcomer = await newcomerContext.NewPageAsync();
        await newcomer.GotoAsync(invitationLink);
        await Expect(newcomer.GetByRole(AriaRole.Heading, new() { Name = "Join Shop team" })).ToBeVisibleAsync();
        await newcomer.Locator("#invite-sign-up").ClickAsync();
        // Signing up through the invitation joins in the same step, and lands on the team's projects.
        await Accounts.RegisterAsync(newcomer, Newcomer);
        await Expect(newcomer.GetByRole(AriaRole.Heading, new() { Name = "Shop team" })).ToBeVisibleAsync();
        await Expect(newcomer.Locator("tr[data-member='newcomer@example.com']")).ToContainTextAsync("Member");

        await newcomer.GotoAsync(projectLink);
        await Expect(newcomer.GetByRole(AriaRole.Heading, new() { Name = "Open a workspace for Shop?" })).ToBeVisibleAsync();
        await newcomer.Locator("#confirm-open").ClickAsync();
        await Expect(newcomer).ToHaveURLAsync(WorkspaceUrl());
        await WorkbenchPage.WaitUntilReadyAsync(newcomer);

        var screen = newcomer.Locator(".terminal-view:not([hidden]) .xterm-rows");
        // Generous: a login shell reads the machine's dotfiles, slow on a loaded two-core machine.
        await Expect(newcomer.Locator(".terminal-tab.active")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(screen).ToContainTextAsync(new Regex("shop ?[#$]"), new() { Timeout = 45_000 });
        await newcomer.Locator(".terminal-view:not([hidden]) .xterm").ClickAsync();
        await newcomer.Keyboard.TypeAsync("echo $SHOP_GREETING\n");
        await Expect(screen).ToContainTextAsync("hello-from-the-team", new() { Timeout = 20_000 });
        await Screenshots.TakeAsync(newcomer, "team-onboarding-terminal");

        // A workspace of a team project: its ports can be made visible to the team.
        var visibility = newcomer.GetByLabel($"Visibility of port {DeclaredPort}");
        await Expect(visibility.Locator("option")).ToHaveTextAsync(["Private", "Team", "Public"]);
        await Expect(newcomer.Locator(".visibility-note")).ToContainTextAsync("Team: any signed-in member of the team Shop team");

        // The newcomer shares the workspace read-only with the lead (Ports & Previews), who can watch but not type.
        await WorkbenchPage.ShowViewAsync(newcomer, "ports");
        await newcomer.GetByLabel("Team member").SelectOptionAsync(Lead);
        await newcomer.GetByLabel("Access", new() { Exact = true }).SelectOptionAsync("ReadOnly");
        await newcomer.GetByRole(AriaRole.Button, new() { Name = "Share", Exact = true }).ClickAsync();
        await Expect(newcomer.Locator("section[aria-labelledby=sharing] li")).ToContainTextAsync($"{Lead} — read-only");
        await lead.GotoAsync(newcomer.Url);
        await Expect(lead.Locator(".shared-notice")).ToContainTextAsync($"Shared with you by {Newcomer} (read-only)");
        await Expect(lead.GetByRole(AriaRole.Button, new() { Name = "Restart" })).ToHaveCountAsync(0);
        await Expect(lead.Locator(".ports")).ToHaveCountAsync(0);
        var watched = lead.Locator(".terminal-view:not([hidden]) .xterm-rows");
        await WorkbenchPage.WaitUntilReadyAsync(lead);
        await Expect(watched).ToContainTextAsync("hello-from-the-team", new() { Timeout = 20_000 });
        await lead.Locator(".terminal-view:not([hidden]) .xterm").ClickAsync();
        await lead.Keyboard.TypeAsync("echo typed-by-the-lead\n");
        await Expect(lead.Locator(".terminal-readonly")).ToContainTextAsync("shared with you read-only, so what you type is not sent");
        await Expect(screen).Not.ToContainTextAsync("typed-by-the-lead");
        await Screenshots.TakeAsync(lead, "shared-read-only");

        // The lead is the administrator: the audit log tells who joined and opened what, and never the secret.
        await lead.GetByRole(AriaRole.Link, new() { Name = "Admin" }).ClickAsync();
        await Expect(lead.Locator("tr[data-user='newcomer@example.com']")).ToBeVisibleAsync();
        await Screenshots.TakeAsync(lead, "admin");
        await lead.GetByRole(AriaRole.Link, new() { Name = "open the audit log" }).ClickAsync();
        await Expect(lead.GetByRole(AriaRole.Heading, new() { Name = "Audit log" })).ToBeVisibleAsync();
        var audit = lead.Locator("table.audit-table");
        await Expect(audit).ToContainTextAsync("team.member-joined");
        await Expect(audit).ToContainTextAsync("SHOP_TOKEN (secret)");
        await Expect(lead.Locator("body")).Not.ToContainTextAsync("tok-do-not-show");

        // Filtered by names: the newcomer's events in the project, each target named (the workspace with its project).
        await lead.GetByLabel("Person").FillAsync("newcomer@");
        await lead.GetByLabel("Project").FillAsync("shop");
        await lead.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var created = audit.Locator("tr[data-audit='workspace.created']");
        await Expect(created).ToContainTextAsync("Shop (project Shop)");
        await Expect(created).ToContainTextAsync("from project Shop");
        await Expect(audit.Locator("tr[data-audit='team.member-joined']")).ToHaveCountAsync(0);
        await Screenshots.TakeAsync(lead, "audit-log");
    }

    [GeneratedRegex(@"/workspaces/[a-z0-9-]+$")]
    private static partial Regex WorkspaceUrl();
}
