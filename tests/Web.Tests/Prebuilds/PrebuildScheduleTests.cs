using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workspaces.Data.Prebuilds;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Prebuilds;
using Workspaces.Web.Tests.Authorization;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Prebuilds;

/// <summary>
/// The schedule trigger on a fake clock: a due schedule queues the branch's head (read from the real repository), never a
/// second prebuild of a commit already prebuilt, and the next commit when the branch moved. Bad settings are refused.
/// Run on SQLite and on PostgreSQL (the slot is claimed with a conditional update on its time).
/// </summary>
public abstract class PrebuildScheduleTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>, IDisposable
    where TFixture : AppFixture
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose()
    {
        _repositories.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Schedule_Due_QueuesTheHeadOnceAndTheNewHeadAfterAPush()
    {
        var repository = await _repositories.CreateAsync($"nightly-{Guid.NewGuid():N}", new GitRepositoryBuilder().WithGitpodYml("""
            tasks:
              - init: echo scheduled-init
            """));
        var (lead, projectId) = await ProjectAsync(repository.FileUrl);
        using var saved = await PutSettingsAsync(lead, projectId, new { enabled = true, branchPatterns = "main", scheduleHours = 6 });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var view = (await ViewAsync(lead, projectId)).Settings;
        Assert.Equal(6, view.ScheduleHours);
        Assert.InRange(view.NextScheduledAt!.Value - DateTimeOffset.UtcNow, TimeSpan.FromHours(5.9), TimeSpan.FromHours(6));

        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var schedule = ActivatorUtilities.CreateInstance<PrebuildSchedule>(fixture.App.Services, (TimeProvider)clock);
        await schedule.StartAsync(CancellationToken.None);
        try
        {
            clock.Advance(TimeSpan.FromHours(6));
            var first = await TickUntilAsync(clock, async () => (await ScheduledAsync(lead, projectId)).SingleOrDefault());
            Assert.Equal((await GitCli.RunAsync(repository.Path, "rev-parse", "main")).Trim(), first.Commit);
            Assert.Equal("main", first.Branch);

            // Due again with the same head: the schedule runs, and builds nothing new.
            var ranAt = (await ViewAsync(lead, projectId)).Settings.NextScheduledAt;
            clock.Advance(TimeSpan.FromHours(6));
            await TickUntilAsync(clock, async () => (await ViewAsync(lead, projectId)).Settings.NextScheduledAt > ranAt ? "ran" : null);
            Assert.Equal(first.Id, Assert.Single(await ScheduledAsync(lead, projectId)).Id);

            var head = await PushCommitAsync(repository);
            clock.Advance(TimeSpan.FromHours(6));
            var second = await TickUntilAsync(clock, async () => (await ScheduledAsync(lead, projectId)).FirstOrDefault(p => p.Id != first.Id));
            Assert.Equal(head, second.Commit);
        }
        finally
        {
            await schedule.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Settings_DailyFromATimeOfDay_NextRunIsTheNextOccurrenceOfThatTime()
    {
        var (lead, projectId) = await ProjectAsync("https://example.com/org/app.git");
        var at = DateTimeOffset.UtcNow.AddHours(2);
        var expected = new DateTimeOffset(at.Year, at.Month, at.Day, at.Hour, at.Minute, 0, TimeSpan.Zero);
        var time = at.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture);

        using var saved = await PutSettingsAsync(lead, projectId, new { enabled = true, scheduleHours = 24, scheduleAt = time });

        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var view = (await ViewAsync(lead, projectId)).Settings;
        Assert.Equal((24, time, (DateTimeOffset?)expected), (view.ScheduleHours, view.ScheduleAt, view.NextScheduledAt));
    }

    [Fact]
    public async Task Settings_TimeOfDayNotATime_IsRefusedSayingTheFormat()
    {
        var (lead, projectId) = await ProjectAsync("https://example.com/org/app.git");

        using var response = await PutSettingsAsync(lead, projectId, new { enabled = true, scheduleHours = 24, scheduleAt = "25:00" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("A time of day in UTC as HH:mm, for example 02:30.", problem.GetProperty("errors").GetProperty("scheduleAt")[0].GetString());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(169)]
    public async Task Settings_ScheduleOutOfRange_IsRefusedSayingWhatIsAllowed(int hours)
    {
        var (lead, projectId) = await ProjectAsync("https://example.com/org/app.git");

        using var response = await PutSettingsAsync(lead, projectId, new { enabled = true, scheduleHours = hours });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var message = problem.GetProperty("errors").GetProperty("scheduleHours")[0].GetString();
        Assert.Equal("Hours between scheduled prebuilds: 0 (no schedule) or 1 to 168 (a week).", message);
        Assert.Equal(0, (await ViewAsync(lead, projectId)).Settings.ScheduleHours);
    }

    [Fact]
    public void Slot_CheckedLateAfterThreeMissedDays_RunsOnceAtTheSavedTimeOfDay()
    {
        var saved = new DateTimeOffset(2026, 12, 1, 2, 30, 0, TimeSpan.Zero);
        var settings = new ProjectPrebuildSettings { ProjectId = "p", ProtectedWebhookSecret = "", Enabled = true, ScheduleHours = 24, ScheduleSince = saved };

        var slot = PrebuildSchedules.Slot(settings, saved.AddDays(3).AddHours(5));
        settings.LastScheduledAt = slot;

        Assert.Equal(saved.AddDays(3), slot);
        Assert.Equal(saved.AddDays(4), PrebuildSchedules.NextRun(settings));
    }

    [Fact]
    public async Task BranchHeads_InternalAddressNotAllowed_RefusedWithoutConnecting()
    {
        var heads = fixture.App.Services.GetRequiredService<IBranchHeads>();

        var refused = await Assert.ThrowsAsync<PrebuildFailedException>(() => heads.ListAsync("http://127.0.0.1:9/org/app.git", CancellationToken.None));

        Assert.StartsWith("could not reach the repository's host 127.0.0.1", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>Moves the fake clock a check interval at a time until <paramref name="probe"/> finds what it waits for.</summary>
    private static Task<T> TickUntilAsync<T>(FakeTimeProvider clock, Func<Task<T?>> probe)
        where T : class =>
        Poll.UntilNotNullAsync(
            async () =>
            {
                clock.Advance(TimeSpan.FromMinutes(1));
                return await probe();
            },
            Timeout,
            "the schedule to run");

    private async Task<(ApiClient Lead, string ProjectId)> ProjectAsync(string repositoryUrl)
    {
        var lead = await fixture.App.CreateUserAsync();
        var teamId = (await AccessWorld.PostAsync(lead, "/api/teams", new { name = "Nightly" })).GetProperty("id").GetString()!;
        var projectId = (await AccessWorld.PostAsync(lead, $"/api/teams/{teamId}/projects", new { name = "nightly", repositoryUrl, defaultBranch = "main" })).GetProperty("id").GetString()!;
        return (lead, projectId);
    }

    private static Task<HttpResponseMessage> PutSettingsAsync(ApiClient client, string projectId, object body) =>
        client.Http.PutAsJsonAsync($"/api/projects/{projectId}/prebuilds/settings", body);

    private static async Task<ProjectPrebuildsView> ViewAsync(ApiClient client, string projectId) =>
        (await client.Http.GetFromJsonAsync<ProjectPrebuildsView>($"/api/projects/{projectId}/prebuilds", Json))!;

    private static async Task<IReadOnlyList<PrebuildView>> ScheduledAsync(ApiClient client, string projectId) =>
        [.. (await ViewAsync(client, projectId)).Prebuilds.Where(p => p.Trigger == "schedule")];

    private static async Task<string> PushCommitAsync(GitTestRepository repository)
    {
        var clone = Path.Combine(Path.GetTempPath(), "prebuild-schedule-" + Guid.NewGuid().ToString("N"));
        try
        {
            await GitCli.RunAsync(Path.GetTempPath(), "clone", repository.Path, clone);
            await File.WriteAllTextAsync(Path.Combine(clone, "change.txt"), "change\n");
            await GitCli.RunAsync(clone, "add", "-A");
            await GitCli.RunAsync(clone, "-c", "user.name=Pusher", "-c", "user.email=pusher@example.com", "commit", "-m", "Change");
            await GitCli.RunAsync(clone, "push", "origin", "HEAD:main");
            return (await GitCli.RunAsync(clone, "rev-parse", "HEAD")).Trim();
        }
        finally
        {
            Directory.Delete(clone, recursive: true);
        }
    }
}

public sealed class SqlitePrebuildScheduleTests(AppFixture fixture) : PrebuildScheduleTests<AppFixture>(fixture);

public sealed class PostgresPrebuildScheduleTests(Workspaces.PostgresAppFixture fixture) : PrebuildScheduleTests<Workspaces.PostgresAppFixture>(fixture);
