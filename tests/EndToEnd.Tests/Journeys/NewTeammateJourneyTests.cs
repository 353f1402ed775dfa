using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workspaces.EndToEnd.Tests.Infrastructure;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Previews;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Journeys;

/// <summary>
/// The new teammate's path, timed and counted: an owner sets up a team and a project and invites from the project; a
/// new person follows the link, signs up, and sees the team's app running in a preview. Every page on the way passes an
/// accessibility audit.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class NewTeammateJourneyTests(ChromiumFixture chromium, ITestOutputHelper output) : SignedInJourney("owner@example.com")
{
    private const string Newcomer = "new@example.com";
    private const string PrimaryBlue = "rgb(37, 99, 235)";

    [Fact]
    public async Task Newcomer_FollowingAProjectInvitation_SignsUpJoinsAndSeesTheRunningAppWithinFourClicks()
    {
        var port = PreviewServer.FreePort();
        var repository = await Repositories.CreateAsync("acme/team-app.git", new GitRepositoryBuilder()
            .WithFile(PreviewServer.FileName, PreviewServer.Script)
            .WithGitpodYml($"tasks:\n  - init: sleep 3\n    command: {PreviewServer.Command(port)}\nports:\n  - port: {port}\n    onOpen: open-preview\n"));

        // The owner: a team, a project with a secret, an invitation made on the project's page.
        await using var ownerContext = await chromium.NewContextAsync(App);
        await ownerContext.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var owner = await ownerContext.NewPageAsync();
        await owner.GotoAsync("/account/login");
        await Accounts.SignInAsync(owner, Email);
        await owner.GetByRole(AriaRole.Link, new() { Name = "Teams" }).ClickAsync();
        await owner.Locator("#team-name").FillAsync("App team");
        await owner.GetByRole(AriaRole.Button, new() { Name = "Create team" }).ClickAsync();
        await Expect(owner.GetByRole(AriaRole.Heading, new() { Name = "App team" })).ToBeVisibleAsync();
        // The only owner is not offered to leave (the server would refuse).
        var ownerRow = owner.Locator($"tr[data-member='{Email}']");
        await Expect(ownerRow).ToContainTextAsync("Only owner");
        await Expect(ownerRow.GetByRole(AriaRole.Button, new() { Name = "Leave" })).ToHaveCountAsync(0);

        // The project form has real labels.
        await owner.GetByLabel("Name", new() { Exact = true }).FillAsync("Team app");
        await owner.GetByLabel("Repository URL").FillAsync(repository.FileUrl);
        await owner.GetByRole(AriaRole.Button, new() { Name = "Create project" }).ClickAsync();
        await Expect(owner.Locator("#project-link")).ToContainTextAsync("/open");
        await owner.Locator("#variable-name").FillAsync("APP_TOKEN");
        await owner.Locator("#variable-value").FillAsync("tok-never-shown");
        await owner.Locator("#variable-secret").CheckAsync();
        await owner.Locator("#save-variable").ClickAsync();
        await Expect(owner.Locator("tr[data-variable=APP_TOKEN]")).ToContainTextAsync("secret");

        // Links shown once have a Copy button that says it copied.
        await owner.Locator("#invite-to-project-button").ClickAsync();
        var invitationLink = (await owner.Locator("#project-invitation-link").TextContentAsync())!.Trim();
        Assert.Matches(InvitationLink(), invitationLink);
        var copy = owner.Locator("[data-copy='invitation link']");
        await copy.ClickAsync();
        await Expect(copy.Locator(".copy-text")).ToHaveTextAsync("Copied");
        Assert.Equal(invitationLink, await owner.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        var projectLinkCopy = owner.Locator("[data-copy='project link']");
        await projectLinkCopy.ClickAsync();
        await Expect(projectLinkCopy.Locator(".copy-text")).ToHaveTextAsync("Copied");
        Assert.EndsWith("/open", await owner.EvaluateAsync<string>("() => navigator.clipboard.readText()"), StringComparison.Ordinal);
        await PageChecks.AssertAccessibleAsync(owner, "project page");

        // The new person, in another browser. Clicks are counted after the sign-up form (the target is at most 4).
        await using var newcomerContext = await chromium.NewContextAsync(App);
        var newcomer = await newcomerContext.NewPageAsync();
        var clock = Stopwatch.StartNew();
        await newcomer.GotoAsync(invitationLink);
        await Expect(newcomer.GetByRole(AriaRole.Heading, new() { Name = "Join App team" })).ToBeVisibleAsync();
        // Nothing of the app is theirs yet: no Teams or Settings to wander into.
        await Expect(newcomer.GetByRole(AriaRole.Link, new() { Name = "Teams" })).ToHaveCountAsync(0);
        await Expect(newcomer.GetByRole(AriaRole.Link, new() { Name = "Settings" })).ToHaveCountAsync(0);
        var signUp = newcomer.GetByRole(AriaRole.Link, new() { Name = "Create an account and join" });
        Assert.Equal(PrimaryBlue, await signUp.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
        // The audits are the test's own work, not the newcomer's wait: the clock stands still during them.
        clock.Stop();
        await PageChecks.AssertAccessibleAsync(newcomer, "invitation");
        clock.Start();
        var clicksBeforeForm = 1;
        await signUp.ClickAsync();
        await Accounts.RegisterAsync(newcomer, Newcomer);

        // Signing up joined the team and went on to the project the link was made for.
        await Expect(newcomer.GetByRole(AriaRole.Heading, new() { Name = "Open a workspace for Team app?" })).ToBeVisibleAsync();
        await Expect(newcomer.Locator("li[data-variable=APP_TOKEN]")).ToContainTextAsync("APP_TOKEN (secret)");
        var joined = clock.Elapsed;
        clock.Stop();
        await PageChecks.AssertAccessibleAsync(newcomer, "project confirmation");
        clock.Start();
        var open = newcomer.GetByRole(AriaRole.Button, new() { Name = "Open workspace" });
        Assert.Equal(PrimaryBlue, await open.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
        var clicksAfterForm = 1;
        await open.ClickAsync();

        await Expect(newcomer).ToHaveURLAsync(WorkspaceUrl());
        await Expect(newcomer.GetByRole(AriaRole.Heading, new() { Name = "Team app", Exact = true })).ToBeVisibleAsync();
        var workspacePage = clock.Elapsed;
        // The declared port opens its preview by itself once the app listens.
        await Expect(newcomer.FrameLocator(".preview-frame").Locator("body")).ToContainTextAsync("hello from the workspace", new() { Timeout = 90_000 });
        clock.Stop();
        output.WriteLine($"From opening the invitation to the app in the preview: {clock.Elapsed.TotalSeconds:0.0} s, "
            + $"{clicksBeforeForm + clicksAfterForm} clicks ({clicksAfterForm} after the sign-up form), 3 form fields "
            + $"(signed up and joined at {joined.TotalSeconds:0.0} s, on the workspace page at {workspacePage.TotalSeconds:0.0} s; the accessibility audits on the way are not counted).");
        Assert.True(clicksAfterForm <= 4);
        await Screenshots.TakeAsync(newcomer, "new-teammate-app");

        // Back on the dashboard: the team's project, with Open and the newcomer's latest workspace of it.
        await newcomer.GotoAsync("/");
        var project = newcomer.Locator("li[data-project='Team app']");
        await Expect(project.Locator("[data-latest-workspace]")).ToContainTextAsync("Your latest: Team app");
        await Expect(project.Locator("[data-latest-workspace] .badge")).ToHaveTextAsync("Running");
        var used = project.Locator("[data-latest-workspace] time");
        await Expect(used).ToHaveTextAsync(new Regex("^(just now|\\d+ minutes? ago)$"));
        await Expect(used).ToHaveAttributeAsync("title", new Regex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$"));
        Assert.Equal(PrimaryBlue, await project.GetByRole(AriaRole.Link, new() { Name = "Open", Exact = true }).EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
        await Expect(newcomer.Locator("table.workspaces a.name")).ToHaveTextAsync(["Team app"]);
        await PageChecks.AssertAccessibleAsync(newcomer, "dashboard");
        await Screenshots.TakeAsync(newcomer, "new-teammate-dashboard");
    }

    [Fact]
    public async Task Member_SigningInThroughATeamInvitation_JoinsAndLandsOnTheTeamsProjects()
    {
        var repository = await Repositories.CreateAsync("acme/site");
        await using var ownerContext = await chromium.NewContextAsync(App);
        var owner = await ownerContext.NewPageAsync();
        await owner.GotoAsync("/account/login");
        await Accounts.SignInAsync(owner, Email);
        await owner.GotoAsync("/teams");
        await owner.Locator("#team-name").FillAsync("Site team");
        await owner.GetByRole(AriaRole.Button, new() { Name = "Create team" }).ClickAsync();
        await owner.GetByLabel("Name", new() { Exact = true }).FillAsync("Site");
        await owner.GetByLabel("Repository URL").FillAsync(repository.FileUrl);
        await owner.GetByRole(AriaRole.Button, new() { Name = "Create project" }).ClickAsync();
        await Expect(owner.Locator("#project-link")).ToContainTextAsync("/open");
        await owner.GetByRole(AriaRole.Link, new() { Name = "Site team" }).ClickAsync();
        await owner.Locator("#create-invitation").ClickAsync();
        var invitationLink = (await owner.Locator("#invitation-link").TextContentAsync())!.Trim();

        // Someone with an account already: "Sign in to join" signs in and joins in one step.
        await using var memberContext = await chromium.NewContextAsync(App);
        var member = await memberContext.NewPageAsync();
        await member.GotoAsync("/account/register");
        await Accounts.RegisterAsync(member, Newcomer);
        await member.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(member.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();

        await member.GotoAsync(invitationLink);
        await member.GetByRole(AriaRole.Link, new() { Name = "Sign in to join" }).ClickAsync();
        await Accounts.SignInAsync(member, Newcomer);
        await Expect(member.GetByRole(AriaRole.Heading, new() { Name = "Site team" })).ToBeVisibleAsync();
        await Expect(member.Locator($"tr[data-member='{Newcomer}']")).ToContainTextAsync("Member");
        var open = member.Locator("li[data-project=Site]").GetByRole(AriaRole.Link, new() { Name = "Open workspace" });
        Assert.Equal(PrimaryBlue, await open.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
        // A member may leave.
        await Expect(member.Locator($"tr[data-member='{Newcomer}']").GetByRole(AriaRole.Button, new() { Name = "Leave" })).ToBeVisibleAsync();
        await PageChecks.AssertAccessibleAsync(member, "team page");
        await open.ClickAsync();
        await Expect(member.GetByRole(AriaRole.Heading, new() { Name = "Open a workspace for Site?" })).ToBeVisibleAsync();
    }

    [GeneratedRegex(@"/invite/wsi_[A-Za-z0-9_-]+\?project=[a-f0-9]+$")]
    private static partial Regex InvitationLink();

    [GeneratedRegex(@"/workspaces/[a-z0-9-]+$")]
    private static partial Regex WorkspaceUrl();
}
