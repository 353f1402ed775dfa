using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Workspaces.TestSupport.Git;
using Workspaces.Web.Prebuilds;
using Workspaces.Web.Tests.Authorization;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Prebuilds.Webhooks;

/// <summary>The per-project webhook URL as a Git host calls it: verified, replays refused, one prebuild per commit.</summary>
public sealed class WebhookEndpointTests(AppFixture fixture) : IClassFixture<AppFixture>, IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose() => _repositories.Dispose();

    [Fact]
    public async Task SignedPush_QueuesOnePrebuildPerCommit_AndAReplayIsRefused()
    {
        var (projectId, secret, head) = await ProjectAsync();
        var body = GitHubPush("refs/heads/main", head);

        var (firstStatus, first) = await SendAsync(projectId, body, Sign(secret, body), "delivery-1");
        var (replayStatus, replay) = await SendAsync(projectId, body, Sign(secret, body), "delivery-1");
        var (againStatus, again) = await SendAsync(projectId, body, Sign(secret, body), "delivery-2");

        Assert.Equal(HttpStatusCode.Accepted, firstStatus);
        var prebuildId = first.GetProperty("prebuildId").GetString();
        Assert.False(string.IsNullOrEmpty(prebuildId));
        Assert.Equal(HttpStatusCode.Conflict, replayStatus);
        Assert.Contains("replay", replay.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, againStatus);
        Assert.Equal(prebuildId, again.GetProperty("prebuildId").GetString());
    }

    [Fact]
    public async Task Webhook_BadSignatureUnknownProjectNotAPushOtherBranch_AreRefusedOrIgnoredWithAClearMessage()
    {
        var (projectId, secret, head) = await ProjectAsync();
        var push = GitHubPush("refs/heads/main", head);
        var otherBranch = GitHubPush("refs/heads/experiment", head);
        var issue = Encoding.UTF8.GetBytes("""{"action":"opened","issue":{"number":1}}""");

        var (badStatus, bad) = await SendAsync(projectId, push, Sign("wrong-secret", push), "d-bad");
        var (unknownStatus, unknown) = await SendAsync("no-such-project", push, Sign(secret, push), "d-unknown");
        var (issueStatus, issueAnswer) = await SendAsync(projectId, issue, Sign(secret, issue), "d-issue", "issues");
        var (branchStatus, branch) = await SendAsync(projectId, otherBranch, Sign(secret, otherBranch), "d-branch");

        Assert.Equal(HttpStatusCode.Unauthorized, badStatus);
        Assert.Contains("signature does not match", bad.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknownStatus);
        Assert.Contains("webhook URL", unknown.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, issueStatus);
        Assert.Contains("Only push events", issueAnswer.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, branchStatus);
        Assert.Contains("matches none", branch.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, branch.GetProperty("prebuildId").ValueKind);
    }

    private async Task<(string ProjectId, string Secret, string Head)> ProjectAsync()
    {
        var repository = await _repositories.CreateAsync($"hook-{Guid.NewGuid():N}", new GitRepositoryBuilder().WithFile("README.md", "hi\n"));
        using var lead = await fixture.App.CreateUserAsync();
        var teamId = (await AccessWorld.PostAsync(lead, "/api/teams", new { name = "Hooks" })).GetProperty("id").GetString()!;
        var projectId = (await AccessWorld.PostAsync(lead, $"/api/teams/{teamId}/projects", new { name = "hooked", repositoryUrl = repository.FileUrl, defaultBranch = "main" })).GetProperty("id").GetString()!;
        using var saved = await lead.Http.PutAsJsonAsync($"/api/projects/{projectId}/prebuilds/settings", new { enabled = true, branchPatterns = "main\nrelease/**" });
        saved.EnsureSuccessStatusCode();
        var view = (await saved.Content.ReadFromJsonAsync<ProjectPrebuildsView>(Json))!;
        Assert.Equal($"/api/webhooks/projects/{projectId}", view.Settings.WebhookPath);
        return (projectId, view.Settings.WebhookSecret!, (await GitCli.RunAsync(repository.Path, "rev-parse", "main")).Trim());
    }

    private static byte[] GitHubPush(string reference, string after)
    {
        var text = Encoding.UTF8.GetString(WebhookFixtures.Body("github-push"))
            .Replace("\"ref\":\"refs/heads/main\"", $"\"ref\":\"{reference}\"", StringComparison.Ordinal)
            .Replace("\"after\":\"59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5\"", $"\"after\":\"{after}\"", StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(text);
    }

    private static string Sign(string secret, byte[] body) => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    private async Task<(HttpStatusCode Status, JsonElement Answer)> SendAsync(string projectId, byte[] body, string signature, string delivery, string eventName = "push")
    {
        using var client = fixture.App.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/webhooks/projects/{projectId}", UriKind.Relative)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", delivery);
        request.Headers.Add("X-Hub-Signature-256", signature);
        using var response = await client.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }
}
