using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Workspaces.EndToEnd.Tests.Infrastructure;
using Workspaces.Shared.Prebuilds;
using Workspaces.TestSupport.Git;
using static Microsoft.Playwright.Assertions;

namespace Workspaces.EndToEnd.Tests.Journeys;

/// <summary>
/// Prebuilds as a team lives them, in a real browser: the owner turns them on and pastes the webhook into the Git host
/// (a real smart-HTTP Git server that calls it after each push); a push is prebuilt and the project page shows it
/// succeed; a newcomer follows the project link and lands in a workspace that says it came from the prebuild, whose init
/// did not run again.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PrebuildJourneyTests(ChromiumFixture chromium) : IAsyncLifetime
{
    private const string Owner = "lead@example.com";
    private const string Newcomer = "newcomer@example.com";
    private const string Repository = "acme/shop";
    private const string GitpodYml = """
        tasks:
          - name: shop
            init: |
              echo init-output-marker
              mkdir -p node_modules/pkg && echo built-by-init > node_modules/pkg/index.js
            command: |
              echo command-output-marker
              exec sleep 300
        """;

    private readonly TaskCompletionSource<string> _webhookAnswered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SmartHttpGitServer _git = null!;
    private WorkspacesApp _app = null!;

    public async Task InitializeAsync()
    {
        // Sandboxed workspaces (the prebuild's and the newcomer's) reach the Git server's one port on this machine's loopback.
        _git = await SmartHttpGitServer.StartAsync();
        _app = WorkspacesApp.Start(new Dictionary<string, string>
        {
            ["Workspaces:Sandbox:HostLoopbackPorts:0"] = _git.BaseUrl.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await _app.CreateFirstAccountAsync(Owner, Accounts.Password);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _git.DisposeAsync();
    }

    [Fact]
    public async Task Push_WithPrebuildsOn_IsPrebuiltAndANewcomersWorkspaceStartsFromItWithoutRunningInit()
    {
        await _git.CreateRepositoryAsync(Repository, new GitRepositoryBuilder().WithGitpodYml(GitpodYml));
        var repositoryUrl = _git.RepositoryUrl(Repository);

        // The owner: a team, a project of the repository, prebuilds on; the page gives the webhook to paste into the host.
        await using var ownerContext = await chromium.NewContextAsync(_app);
        var owner = await ownerContext.NewPageAsync();
        await owner.GotoAsync("/account/login");
        await Accounts.SignInAsync(owner, Owner);
        await owner.GotoAsync("/teams");
        await owner.Locator("#team-name").FillAsync("Shop team");
        await owner.GetByRole(AriaRole.Button, new() { Name = "Create team" }).ClickAsync();
        await owner.GetByLabel("Name", new() { Exact = true }).FillAsync("Shop");
        await owner.GetByLabel("Repository URL").FillAsync(repositoryUrl);
        await owner.GetByRole(AriaRole.Button, new() { Name = "Create project" }).ClickAsync();
        await Expect(owner.Locator("#project-link")).ToContainTextAsync("/open");
        var projectLink = (await owner.Locator("#project-link").TextContentAsync())!.Trim();

        await owner.GetByLabel("Prebuilds on", new() { Exact = true }).CheckAsync();
        await owner.Locator("#save-prebuilds").ClickAsync();
        await Expect(owner.Locator("#webhook-secret")).ToBeVisibleAsync();
        await Expect(owner.Locator("#run-prebuild")).ToBeEnabledAsync();
        var webhookUrl = (await owner.Locator("#webhook-url").TextContentAsync())!.Trim();
        var webhookSecret = (await owner.Locator("#webhook-secret").TextContentAsync())!.Trim();
        _git.OnPush(Repository, () => SendGiteaWebhookAsync(webhookUrl, webhookSecret));

        // A push: the Git server calls the webhook, the prebuild runs, and the open project page shows it succeed.
        var head = await PushCommitAsync(repositoryUrl);
        var answer = await _webhookAnswered.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("queued", answer, StringComparison.Ordinal);
        var row = owner.Locator("#prebuild-list tbody tr").Filter(new() { HasText = PrebuildReport.ShortCommit(head) });
        // With none running, the page looks for new prebuilds every 10 s.
        await Expect(row).ToContainTextAsync("push", new() { Timeout = 60_000 });
        await Expect(row).ToHaveAttributeAsync("data-status", "Succeeded", new() { Timeout = 180_000 });

        var size = await row.Locator("td").Nth(5).TextContentAsync();

        // An invitation from the project page; the newcomer signs up through it, then follows the project's link.
        await owner.Locator("#invite-to-project-button").ClickAsync();
        var invitationLink = (await owner.Locator("#project-invitation-link").TextContentAsync())!.Trim();

        // The owner is the administrator: the admin page says what the project's prebuilds take.
        await owner.GotoAsync("/admin");
        var storage = owner.Locator("#prebuild-storage tbody tr").Filter(new() { HasText = "Shop" });
        await Expect(storage.Locator("td")).ToHaveTextAsync(["Shop", "Shop team", "1", "1", size!]);
        await PageChecks.AssertAccessibleAsync(owner, "admin page");

        await using var newcomerContext = await chromium.NewContextAsync(_app);
        var newcomer = await newcomerContext.NewPageAsync();
        await newcomer.GotoAsync(invitationLink);
        await newcomer.GetByRole(AriaRole.Link, new() { Name = "Create an account and join" }).ClickAsync();
        await Accounts.RegisterAsync(newcomer, Newcomer);
        await Expect(newcomer.GetByRole(AriaRole.Heading, new() { Name = "Open a workspace for Shop?" })).ToBeVisibleAsync();
        await newcomer.GotoAsync(projectLink);
        await newcomer.GetByRole(AriaRole.Button, new() { Name = "Open workspace" }).ClickAsync();

        // Ready: the start screen has given way to the workbench; its status bar says where the start came from, and
        // Output has the restore (the start screen said it while it showed).
        await WorkbenchPage.WaitUntilReadyAsync(newcomer, 120_000);
        var fromPrebuild = $"from prebuild {PrebuildReport.ShortCommit(head)} (same commit)";
        await Expect(newcomer.Locator("[data-status='start-timings']")).ToContainTextAsync(fromPrebuild);
        await newcomer.Locator("[data-status='start-timings']").ClickAsync();
        await Expect(newcomer.Locator(".output-text")).ToContainTextAsync($"Restored prebuild {PrebuildReport.ShortCommit(head)} in ");

        // The task says init came from the prebuild and runs its command; init's own output is not there again.
        await WorkbenchPage.ShowPanelAsync(newcomer, "Tasks");
        var log = newcomer.Locator("details.task pre.log");
        await Expect(log).ToContainTextAsync("command-output-marker");
        await Expect(log).ToContainTextAsync($"init: done from prebuild {PrebuildReport.ShortCommit(head)} (same commit)");
        await Expect(log).Not.ToContainTextAsync("init-output-marker");
        await Screenshots.TakeAsync(newcomer, "workspace-from-prebuild");
    }

    /// <summary>What Gitea sends after a push: the push payload, signed with the webhook's secret.</summary>
    private async Task SendGiteaWebhookAsync(string webhookUrl, string secret)
    {
        try
        {
            var bare = Path.Combine(_git.RootDirectory, Repository + ".git");
            var after = (await GitCli.RunAsync(bare, "rev-parse", "main")).Trim();
            var before = (await GitCli.RunAsync(bare, "rev-parse", "main~1")).Trim();
            var body = JsonSerializer.SerializeToUtf8Bytes(new
            {
                @ref = "refs/heads/main",
                before,
                after,
                total_commits = 1,
                commits = new[] { new { id = after, message = "Add the feature" } },
                repository = new { full_name = Repository, default_branch = "main", clone_url = _git.RepositoryUrl(Repository) },
            });
            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, webhookUrl) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Add("X-Gitea-Event", "push");
            request.Headers.Add("X-Gitea-Delivery", Guid.NewGuid().ToString());
            request.Headers.Add("X-Gitea-Signature", Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body)));
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == System.Net.HttpStatusCode.Accepted)
            {
                _webhookAnswered.TrySetResult(text);
            }
            else
            {
                _webhookAnswered.TrySetException(new InvalidOperationException($"The webhook answered {(int)response.StatusCode}: {text}"));
            }
        }
        catch (Exception e)
        {
            _webhookAnswered.TrySetException(e);
        }
    }

    private static async Task<string> PushCommitAsync(string repositoryUrl)
    {
        var clone = Path.Combine(Path.GetTempPath(), "prebuild-journey-" + Guid.NewGuid().ToString("N"));
        try
        {
            await GitCli.RunAsync(Path.GetTempPath(), "clone", repositoryUrl, clone);
            await File.WriteAllTextAsync(Path.Combine(clone, "feature.txt"), "a feature\n");
            await GitCli.RunAsync(clone, "add", "-A");
            await GitCli.RunAsync(clone, "-c", "user.name=Lead", "-c", "user.email=lead@example.com", "commit", "-m", "Add the feature");
            await GitCli.RunAsync(clone, "push", "origin", "HEAD:main");
            return (await GitCli.RunAsync(clone, "rev-parse", "HEAD")).Trim();
        }
        finally
        {
            Directory.Delete(clone, recursive: true);
        }
    }
}
