using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Workspaces.Data.Prebuilds;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Prebuilds;
using Workspaces.Web.Tests.Authorization;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Prebuilds;

/// <summary>
/// A prebuild never stays "running": the time limit stops it, and a web-app restart fails it cleanly. Its log is readable
/// while it runs, only by the project's members, and outlives the restart (it is in the database, not the pod).
/// </summary>
public sealed class PrebuildLimitsTests(PrebuildLimitsTests.ShortLimitFixture fixture) : IClassFixture<PrebuildLimitsTests.ShortLimitFixture>, IDisposable
{
    private const string StartedMarker = "started-marker";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose() => _repositories.Dispose();

    [Fact]
    public async Task Prebuild_InitLongerThanTheTimeLimit_IsStoppedAndMarkedTimedOut()
    {
        var (lead, projectId) = await ProjectWithEndlessInitAsync();
        var id = await RunAsync(lead, projectId);

        var ended = await Poll.UntilNotNullAsync(async () => (await ListAsync(lead, projectId)).SingleOrDefault(p => p.Id == id && p.Status is not (PrebuildStatus.Queued or PrebuildStatus.Running)), Timeout, "the prebuild to end");

        Assert.Equal(PrebuildStatus.TimedOut, ended.Status);
        Assert.Contains("time limit of", ended.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(fixture.App.WorkspaceDirectory(PrebuildRunner.RuntimeId(id))), "the headless workspace is removed");
    }

    [Fact]
    public async Task Prebuild_WebAppRestartsWhileItRuns_IsFailedCleanlyNotLeftRunning()
    {
        var (lead, projectId) = await ProjectWithEndlessInitAsync();
        var id = await RunAsync(lead, projectId);
        await Poll.UntilAsync(async () => (await ListAsync(lead, projectId)).Single(p => p.Id == id).Status == PrebuildStatus.Running, Timeout, "the prebuild to run");
        await Poll.UntilAsync(async () => (await LogAsync(lead, projectId, id)).Text.Contains(StartedMarker, StringComparison.Ordinal), Timeout, "init's output in the log");

        await fixture.App.StopAsync();
        await fixture.App.StartAgainAsync();
        using var after = new ApiClient(fixture.App.CreateHttpClient(), lead.Token, fixture.App.Describe);

        var ended = await Poll.UntilNotNullAsync(async () => (await ListAsync(after, projectId)).SingleOrDefault(p => p.Id == id && p.Status != PrebuildStatus.Running), Timeout, "the interrupted prebuild to be failed");
        Assert.Equal(PrebuildStatus.Failed, ended.Status);
        Assert.Contains("restarted", ended.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(fixture.App.WorkspaceDirectory(PrebuildRunner.RuntimeId(id))), "the headless workspace is removed");
        var log = await LogAsync(after, projectId, id);
        Assert.Contains(StartedMarker, log.Text, StringComparison.Ordinal);
        Assert.Contains("Failed: The server restarted while this prebuild ran", log.Text, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(fixture.App.DataDirectory, "prebuild-logs")), "the log is in the database, not in the data directory");
    }

    [Fact]
    public async Task Log_WhileThePrebuildRuns_GrowsForMembersAndIsRefusedToOthers()
    {
        var (lead, projectId) = await ProjectWithEndlessInitAsync();
        var id = await RunAsync(lead, projectId);

        var log = await Poll.UntilNotNullAsync(async () => await LogAsync(lead, projectId, id) is { } l && l.Text.Contains(StartedMarker, StringComparison.Ordinal) ? l : null, Timeout, "init's output in the log");

        Assert.Equal(PrebuildStatus.Running, log.Status);
        Assert.StartsWith("Prebuild of ", (await LogAsync(lead, projectId, id, offset: 0)).Text, StringComparison.Ordinal);
        Assert.Equal("", (await LogAsync(lead, projectId, id, offset: log.Length)).Text);
        using var outsider = await fixture.App.CreateUserAsync();
        using (var refused = await outsider.Http.GetAsync(new Uri($"/api/projects/{projectId}/prebuilds/{id}/log?offset=0", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        }

        // Nor through a project of their own.
        var ownTeam = (await AccessWorld.PostAsync(outsider, "/api/teams", new { name = "Other" })).GetProperty("id").GetString()!;
        var ownProject = (await AccessWorld.PostAsync(outsider, $"/api/teams/{ownTeam}/projects", new { name = "other", repositoryUrl = "https://example.com/other.git" })).GetProperty("id").GetString()!;
        using (var refused = await outsider.Http.GetAsync(new Uri($"/api/projects/{ownProject}/prebuilds/{id}/log?offset=0", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        }
    }

    private async Task<(ApiClient Lead, string ProjectId)> ProjectWithEndlessInitAsync()
    {
        var repository = await _repositories.CreateAsync($"slow-{Guid.NewGuid():N}", new GitRepositoryBuilder().WithGitpodYml("""
            tasks:
              - init: echo started-marker; sleep 600
            """));
        var lead = await fixture.App.CreateUserAsync();
        var teamId = (await AccessWorld.PostAsync(lead, "/api/teams", new { name = "Slow" })).GetProperty("id").GetString()!;
        var projectId = (await AccessWorld.PostAsync(lead, $"/api/teams/{teamId}/projects", new { name = "slow", repositoryUrl = repository.FileUrl, defaultBranch = "main" })).GetProperty("id").GetString()!;
        using var saved = await lead.Http.PutAsJsonAsync($"/api/projects/{projectId}/prebuilds/settings", new { enabled = true });
        saved.EnsureSuccessStatusCode();
        return (lead, projectId);
    }

    private static async Task<string> RunAsync(ApiClient lead, string projectId)
    {
        using var response = await lead.Http.PostAsJsonAsync($"/api/projects/{projectId}/prebuilds", new { });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<PrebuildView>(Json))!.Id;
    }

    private static async Task<PrebuildLogView> LogAsync(ApiClient client, string projectId, string prebuildId, long? offset = null) =>
        (await client.Http.GetFromJsonAsync<PrebuildLogView>($"/api/projects/{projectId}/prebuilds/{prebuildId}/log{(offset is { } o ? $"?offset={o}" : "")}", Json))!;

    private static async Task<IReadOnlyList<PrebuildView>> ListAsync(ApiClient client, string projectId) =>
        (await client.Http.GetFromJsonAsync<ProjectPrebuildsView>($"/api/projects/{projectId}/prebuilds", Json))!.Prebuilds;

    public sealed class ShortLimitFixture : AppFixture
    {
        protected override Task<IReadOnlyDictionary<string, string?>> CreateSettingsAsync() =>
            Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>
            {
                ["Workspaces:Prebuilds:TimeLimit"] = "00:00:25",
            });
    }
}
