using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workspaces.EndToEnd.Tests.Infrastructure;
using Workspaces.TestSupport.Git;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Journeys;

/// <summary>
/// The foundation's journey on a fresh server, in a real browser: first account, a workspace from a pasted URL whose
/// start the page follows live, stop and start, and delete.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class FirstRunJourneyTests(ChromiumFixture chromium) : IAsyncLifetime
{
    private const string GitpodYml = """
        tasks:
          - name: greeter
            init: echo "init says hello"
            command: |
              echo "serving on port 3000"
              exec sleep 300
        """;

    // Tracks, from the first paint, which phase the page marked current: proof that it changed without a reload.
    private const string RecordCurrentPhases = """
        window.__phasesSeen = [];
        new MutationObserver(() => {
          for (const li of document.querySelectorAll('li.phase-current')) {
            const phase = li.getAttribute('data-phase');
            if (window.__phasesSeen[window.__phasesSeen.length - 1] !== phase) window.__phasesSeen.push(phase);
          }
        }).observe(document, { subtree: true, childList: true, attributes: true });
        """;

    private WorkspacesApp _app = null!;
    private SmartHttpGitServer _git = null!;

    public async Task InitializeAsync()
    {
        // The Git server is on this machine's loopback: sandboxed workspaces reach that one port of it, as an administrator allows.
        _git = await SmartHttpGitServer.StartAsync();
        _app = WorkspacesApp.Start(new Dictionary<string, string>
        {
            ["Workspaces:Sandbox:HostLoopbackPorts:0"] = _git.BaseUrl.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _git.DisposeAsync();
    }

    [Fact]
    public async Task FreshServer_SignUpThenCreateStopStartAndDeleteAWorkspace_ShowsEachStepLive()
    {
        // A slow network, so the clone lasts long enough (≈2.5 s for ≈770 KB) for its progress to be seen.
        await _git.CreateRepositoryAsync("acme/greeter", new GitRepositoryBuilder()
            .WithFile("README.md", "# Greeter\n")
            .WithGitpodYml(GitpodYml)
            .WithRandomFiles(count: 48, bytesEach: 16 * 1024));
        _git.ResponseBytesPerSecond = 300_000;
        var repositoryUrl = _git.RepositoryUrl("acme/greeter");

        await using var context = await chromium.NewContextAsync(_app);
        await context.AddInitScriptAsync(RecordCurrentPhases);
        var page = await context.NewPageAsync();

        // 1. The first visitor is sent to create the administrator account, then lands on an empty dashboard.
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(RegisterUrl());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Create the administrator account" })).ToBeVisibleAsync();
        await Expect(page.GetByText("it becomes the administrator")).ToBeVisibleAsync();
        await Screenshots.TakeAsync(page, "register-administrator");
        await Accounts.RegisterAsync(page, "ada@example.com");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "No workspaces yet" })).ToBeVisibleAsync();
        await Expect(page.Locator("header .user")).ToHaveTextAsync("ada@example.com");
        await Screenshots.TakeAsync(page, "dashboard-empty");

        // 2. Paste a URL, press "New workspace": the workspace page follows the start phase by phase.
        await page.GetByLabel("Open a Git repository").FillAsync(repositoryUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = "New workspace" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(WorkspaceUrl());
        var workspaceId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "greeter", Exact = true })).ToBeVisibleAsync();
        await Expect(page.Locator("li.phase .phase-name")).ToHaveTextAsync(["Queued", "Starting agent", "Cloning repository", "Running tasks", "Ready"]);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Starting your workspace" })).ToBeVisibleAsync();

        var cloneProgress = page.Locator("li[data-phase=Cloning].phase-current progress");
        await Expect(cloneProgress).ToBeVisibleAsync();
        await Expect(cloneProgress).ToHaveAttributeAsync("value", PartlyDone());
        await Expect(page.Locator("li[data-phase=Cloning] .clone-progress")).ToContainTextAsync("objects");
        await Screenshots.TakeAsync(page, "workspace-cloning");

        // Ready: the start screen gives way to the workbench; its timings stay in the status bar and in Output.
        await WorkbenchPage.WaitUntilReadyAsync(page, 40_000);
        await Expect(cloneProgress).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-status='start-timings']")).ToContainTextAsync("Ready in");
        await page.Locator("[data-status='start-timings']").ClickAsync();
        await Expect(page.Locator(".output-text")).ToContainTextAsync("Cloning repository");
        await Expect(page.Locator(".output-text")).ToContainTextAsync("Start timings");
        await Expect(page.Locator("header.workspace-header [data-status]")).ToHaveTextAsync("Running");
        var seen = await page.EvaluateAsync<string[]>("window.__phasesSeen");
        Assert.Contains("Cloning", seen);

        await WorkbenchPage.ShowPanelAsync(page, "Tasks");
        var task = page.Locator("details.task");
        await Expect(task.Locator(".task-name")).ToHaveTextAsync("greeter");
        await Expect(task.Locator(".badge")).ToHaveTextAsync("running command");
        await Expect(task.Locator("pre.log")).ToContainTextAsync("init says hello");
        await Expect(task.Locator("pre.log")).ToContainTextAsync("serving on port 3000");
        await Screenshots.TakeAsync(page, "workspace-ready");

        // 3. Stop and start again: the page changes by itself, no reload.
        await page.EvaluateAsync("window.__sameDocument = true");
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Stopped", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByText("Its files, including uncommitted changes, are kept.")).ToBeVisibleAsync();
        await Expect(page.Locator("header.workspace-header [data-status]")).ToHaveTextAsync("Stopped");
        await Screenshots.TakeAsync(page, "workspace-stopped");

        await page.GetByRole(AriaRole.Button, new() { Name = "Start", Exact = true }).ClickAsync();
        await WorkbenchPage.WaitUntilReadyAsync(page, 40_000);
        await Expect(page.Locator("details.task pre.log")).ToContainTextAsync("init: already done in this workspace, skipped");
        Assert.True(await page.EvaluateAsync<bool>("window.__sameDocument === true"), "stop and start must update the page in place");

        // 4. Delete from the dashboard: a confirmation warns about losing work, then the row goes.
        await page.Locator("header nav").GetByRole(AriaRole.Link, new() { Name = "Workspaces" }).ClickAsync();
        var row = page.Locator($"tr[data-workspace='{workspaceId}']");
        await Expect(row).ToContainTextAsync(repositoryUrl);
        await Expect(row.Locator("[data-status]")).ToHaveTextAsync("Running");
        await Screenshots.TakeAsync(page, "dashboard");
        await row.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();

        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("Delete greeter?");
        await Expect(dialog).ToContainTextAsync("Uncommitted changes, untracked files and unpushed commits will be lost.");
        await Screenshots.TakeAsync(page, "delete-confirmation");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete workspace" }).ClickAsync();

        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(row).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "No workspaces yet" })).ToBeVisibleAsync();
    }

    /// <summary>A fraction strictly between 0 and 1: the bar has moved and the clone is not over.</summary>
    [GeneratedRegex(@"^0\.0*[1-9]")]
    private static partial Regex PartlyDone();

    [GeneratedRegex("/account/register")]
    private static partial Regex RegisterUrl();

    [GeneratedRegex("/workspaces/[^/]+$")]
    private static partial Regex WorkspaceUrl();
}
