using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Workspaces.Data.Prebuilds;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Prebuilds;
using Workspaces.Web.Tests.Authorization;
using Workspaces.Web.Tests.Infrastructure;
using Workspaces.Web.Workspaces;
using ZstdSharp;

namespace Workspaces.Web.Tests.Prebuilds;

/// <summary>
/// Prebuilds end to end on the local runtime (sandboxed where the machine allows): a team owner turns them on and runs
/// one; a member's workspace then starts from it after the branch moved, without running init again. Run once per
/// storage path (<see cref="PrebuildArchiveTests"/>, <see cref="PrebuildReflinkTests"/>).
/// </summary>
public abstract class PrebuildJourneyTests(AppFixture fixture) : IDisposable
{
    private const string ProjectSecret = "project-secret-5b1e9";
    private const string FileSecret = "file-secret-contents-77d0";
    private const string PersonalSecret = "personal-token-of-the-lead-c4a2";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
    private readonly GitRepositoryFixture _repositories = new();

    protected abstract string ExpectedStorage { get; }

    public void Dispose()
    {
        _repositories.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Prebuild_BranchMovedThreeCommits_MemberWorkspaceStartsFromItWithoutRunningInit()
    {
        var (repository, lead, member, projectId) = await ProjectWithPrebuildsAsync();
        var prebuild = await RunPrebuildAsync(lead, projectId);

        Assert.Equal(ExpectedStorage, prebuild.Storage);
        Assert.Equal((await GitCli.RunAsync(repository.Path, "rev-parse", "main")).Trim(), prebuild.Commit);
        Assert.True(prebuild.SizeBytes > 0 && prebuild.DurationSeconds > 0);
        var log = await LogAsync(lead, projectId, prebuild.Id);
        Assert.Contains("init-output-marker", log, StringComparison.Ordinal);
        Assert.DoesNotContain("command-output-marker", log, StringComparison.Ordinal);

        // The snapshot's bytes: the init's work is there; no secret file, no agent state, nobody's own variable.
        var bytes = await SnapshotBytesAsync(prebuild.Id);
        Assert.Contains("built-by-init", bytes, StringComparison.Ordinal);
        Assert.Contains("ENV_DUMPED_BY_INIT", bytes, StringComparison.Ordinal);
        Assert.DoesNotContain(PersonalSecret, bytes, StringComparison.Ordinal);
        Assert.DoesNotContain(FileSecret, bytes, StringComparison.Ordinal);
        Assert.DoesNotContain("agent.json", bytes, StringComparison.Ordinal);
        Assert.DoesNotContain("init-done", bytes, StringComparison.Ordinal);
        Assert.DoesNotContain("WORKSPACES_AGENT", bytes, StringComparison.Ordinal);

        var head = await PushCommitsAsync(repository, 3);
        using var starts = new MetricCollector<long>(fixture.App.Services.GetRequiredService<IMeterFactory>(), WorkspaceTelemetry.SourceName, "workspaces.starts");
        var id = (await AccessWorld.PostAsync(member, $"/api/projects/{projectId}/workspaces", new { })).GetProperty("id").GetString()!;
        var details = await member.WaitUntilReadyAsync(id, timeout: Timeout);
        // An operator's start-time dashboard tells these starts apart.
        await starts.WaitForMeasurementsAsync(1).WaitAsync(Timeout);
        Assert.Contains(starts.GetMeasurementSnapshot(), m => m.Tags["workspaces.from_prebuild"] is true && (string?)m.Tags["workspaces.outcome"] == "ready");

        Assert.True(details.Prebuild is { Used: true }, $"Not started from the prebuild: {details.Prebuild?.Note}; events: {string.Join("; ", details.Events.Select(e => $"{e.Kind}: {e.Message}"))}");
        Assert.Equal(3, details.Prebuild!.CommitsBehind);
        Assert.Equal($"from prebuild {prebuild.Commit![..6]} (3 commits behind)", details.Prebuild.Summary);
        Assert.Contains(details.Events, e => e.Kind == PrebuildStarts.RestoredEvent && e.Message.StartsWith($"Restored prebuild {prebuild.Commit[..6]} in ", StringComparison.Ordinal));
        var checkout = Path.Combine(WorkspaceDirectory(id), Path.GetFileNameWithoutExtension(repository.Path));
        Assert.Equal("built-by-init\n", await File.ReadAllTextAsync(Path.Combine(checkout, "node_modules", "pkg", "index.js")));
        Assert.True(File.Exists(Path.Combine(checkout, "change-3.txt")), "the branch's head is checked out");
        Assert.Equal(head, (await GitCli.RunAsync(checkout, "-c", "safe.directory=*", "rev-parse", "HEAD")).Trim());
        var taskLog = await Poll.UntilNotNullAsync(() => Task.FromResult(ReadTaskLog(id) is { } text && text.Contains("command-output-marker", StringComparison.Ordinal) ? text : null), Timeout, "the task's command");
        Assert.Contains($"init: done from prebuild {prebuild.Commit[..6]} (3 commits behind)", taskLog, StringComparison.Ordinal);
        Assert.DoesNotContain("init-output-marker", taskLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restore_CorruptSnapshot_StartsNormallySaysSoAndMarksThePrebuildBad()
    {
        var (_, lead, member, projectId) = await ProjectWithPrebuildsAsync();
        var prebuild = await RunPrebuildAsync(lead, projectId);
        Corrupt(prebuild.Id);

        var id = (await AccessWorld.PostAsync(member, $"/api/projects/{projectId}/workspaces", new { })).GetProperty("id").GetString()!;
        var details = await member.WaitUntilReadyAsync(id, timeout: Timeout);

        var failed = Assert.Single(details.Events, e => e.Kind == PrebuildStarts.FailedEvent);
        Assert.Contains("could not be restored", failed.Message, StringComparison.Ordinal);
        Assert.Contains("starts normally", failed.Message, StringComparison.Ordinal);
        var taskLog = await Poll.UntilNotNullAsync(() => Task.FromResult(ReadTaskLog(id) is { } text && text.Contains("command-output-marker", StringComparison.Ordinal) ? text : null), Timeout, "the task's command");
        Assert.Contains("init-output-marker", taskLog, StringComparison.Ordinal);
        var after = (await ListAsync(lead, projectId)).Single(p => p.Id == prebuild.Id);
        Assert.Equal(PrebuildStatus.Bad, after.Status);
    }

    [Fact]
    public async Task Storage_AfterAPrebuild_AdministratorsSeeItPerProjectOthersAreRefused()
    {
        var (_, lead, _, projectId) = await ProjectWithPrebuildsAsync();
        var prebuild = await RunPrebuildAsync(lead, projectId);

        var storage = (await fixture.Admin.Http.GetFromJsonAsync<PrebuildStorageView>("/api/admin/prebuilds/storage", Json))!;
        var row = Assert.Single(storage.Projects, p => p.ProjectId == projectId);
        Assert.Equal((1, 1, prebuild.SizeBytes), (row.Prebuilds, row.Snapshots, (long?)row.StoredBytes));
        Assert.True(row.Enabled);
        Assert.True(storage.TotalBytes >= row.StoredBytes);
        using (var refused = await lead.Http.GetAsync(new Uri("/api/admin/prebuilds/storage", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
    }

    private async Task<(GitTestRepository Repository, ApiClient Lead, ApiClient Member, string ProjectId)> ProjectWithPrebuildsAsync()
    {
        var repository = await _repositories.CreateAsync($"app-{Guid.NewGuid():N}", new GitRepositoryBuilder().WithGitpodYml("""
            tasks:
              - name: app
                init: |
                  echo init-output-marker
                  mkdir -p node_modules/pkg && echo built-by-init > node_modules/pkg/index.js
                  { echo ENV_DUMPED_BY_INIT; env; } > env-at-init.txt
                command: echo command-output-marker
            """));
        var lead = await fixture.App.CreateUserAsync();
        var member = await fixture.App.CreateUserAsync();
        var teamId = (await AccessWorld.PostAsync(lead, "/api/teams", new { name = "Team" })).GetProperty("id").GetString()!;
        await AccessWorld.JoinAsync(lead, member, teamId);
        var projectId = (await AccessWorld.PostAsync(lead, $"/api/teams/{teamId}/projects", new { name = "app", repositoryUrl = repository.FileUrl, defaultBranch = "main" })).GetProperty("id").GetString()!;
        await PutAsync(lead, $"/api/projects/{projectId}/variables/API_TOKEN", new { value = ProjectSecret, secret = true });
        await PutAsync(lead, $"/api/projects/{projectId}/variables/SIGNING_KEY", new { value = FileSecret, secret = true, asFile = true });
        await PutAsync(lead, "/api/me/variables/PERSONAL_TOKEN", new { value = PersonalSecret, repositoryPattern = "*/*" });
        await PutAsync(lead, $"/api/projects/{projectId}/prebuilds/settings", new { enabled = true, branchPatterns = "main", everyNthCommit = 1, maxCommitsBehind = 100, keepPerBranch = 3 });
        return (repository, lead, member, projectId);
    }

    private static async Task<PrebuildView> RunPrebuildAsync(ApiClient lead, string projectId)
    {
        using var response = await lead.Http.PostAsJsonAsync($"/api/projects/{projectId}/prebuilds", new { });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var queued = (await response.Content.ReadFromJsonAsync<PrebuildView>(Json))!;
        return await Poll.UntilNotNullAsync(
            async () =>
            {
                var current = (await ListAsync(lead, projectId)).Single(p => p.Id == queued.Id);
                Assert.True(current.Status is PrebuildStatus.Queued or PrebuildStatus.Running or PrebuildStatus.Succeeded, $"The prebuild ended {current.Status}: {current.Message}\n{await LogAsync(lead, projectId, queued.Id)}");
                return current.Status == PrebuildStatus.Succeeded ? current : null;
            },
            Timeout,
            "the prebuild to succeed");
    }

    private static async Task<IReadOnlyList<PrebuildView>> ListAsync(ApiClient client, string projectId)
    {
        var view = await client.Http.GetFromJsonAsync<ProjectPrebuildsView>($"/api/projects/{projectId}/prebuilds", Json);
        return view!.Prebuilds;
    }

    private static async Task<string> LogAsync(ApiClient client, string projectId, string prebuildId) =>
        (await client.Http.GetFromJsonAsync<PrebuildLogView>($"/api/projects/{projectId}/prebuilds/{prebuildId}/log", Json))!.Text;

    private static async Task PutAsync(ApiClient client, string path, object body)
    {
        using var response = await client.Http.PutAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private string SnapshotDirectory => Path.Combine(fixture.App.DataDirectory, "prebuilds");

    /// <summary>Everything the snapshot holds, as text: the archive decompressed, or every file of the cloned tree.</summary>
    private async Task<string> SnapshotBytesAsync(string prebuildId)
    {
        var directory = StorageDirectory ?? SnapshotDirectory;
        var archive = Path.Combine(directory, prebuildId + ".tar.zst");
        using var all = new MemoryStream();
        if (File.Exists(archive))
        {
            await using var file = File.OpenRead(archive);
            await using var zstd = new DecompressionStream(file);
            await zstd.CopyToAsync(all);
        }
        else
        {
            foreach (var path in Directory.EnumerateFileSystemEntries(Path.Combine(directory, prebuildId + ".tree"), "*", SearchOption.AllDirectories))
            {
                all.Write(Encoding.UTF8.GetBytes(path + "\n"));
                if (File.Exists(path) && new FileInfo(path).LinkTarget is null)
                {
                    all.Write(await File.ReadAllBytesAsync(path));
                }
            }
        }

        return Encoding.UTF8.GetString(all.ToArray());
    }

    /// <summary>Where this fixture's snapshots are, when not under the data directory.</summary>
    protected virtual string? StorageDirectory => null;

    protected virtual string WorkspaceDirectory(string workspaceId) => fixture.App.WorkspaceDirectory(workspaceId);

    private void Corrupt(string prebuildId)
    {
        var directory = StorageDirectory ?? SnapshotDirectory;

        // The warm copy (the snapshot unpacked ahead of the next start) goes too, so the start reads the damaged snapshot.
        var warm = Path.Combine(directory, prebuildId + ".warm");
        Assert.True(Directory.Exists(warm), "the prebuild kept a warm copy");
        Directory.Delete(warm, recursive: true);
        var archive = Path.Combine(directory, prebuildId + ".tar.zst");
        if (File.Exists(archive))
        {
            using var file = new FileStream(archive, FileMode.Open, FileAccess.ReadWrite);
            file.Seek(file.Length / 2, SeekOrigin.Begin);
            file.Write(new byte[64]);
        }
        else
        {
            File.Delete(Path.Combine(directory, prebuildId + ".tree", "node_modules", "pkg", "index.js"));
        }
    }

    private string? ReadTaskLog(string workspaceId)
    {
        var path = Path.Combine(WorkspaceDirectory(workspaceId), ".workspace", "tasks", "task-0.log");
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    private static async Task<string> PushCommitsAsync(GitTestRepository repository, int count)
    {
        var clone = Path.Combine(Path.GetTempPath(), "prebuild-push-" + Guid.NewGuid().ToString("N"));
        try
        {
            await GitCli.RunAsync(Path.GetTempPath(), "clone", repository.Path, clone);
            for (var i = 1; i <= count; i++)
            {
                await File.WriteAllTextAsync(Path.Combine(clone, $"change-{i}.txt"), $"change {i}\n");
                await GitCli.RunAsync(clone, "add", "-A");
                await GitCli.RunAsync(clone, "-c", "user.name=Pusher", "-c", "user.email=pusher@example.com", "commit", "-m", $"Change {i}");
            }

            await GitCli.RunAsync(clone, "push", "origin", "HEAD:main");
            return (await GitCli.RunAsync(clone, "rev-parse", "HEAD")).Trim();
        }
        finally
        {
            Directory.Delete(clone, recursive: true);
        }
    }
}

/// <summary>The archive path: tar + zstd under the data directory (ext4 and most filesystems).</summary>
public sealed class PrebuildArchiveTests(AppFixture fixture) : PrebuildJourneyTests(fixture), IClassFixture<AppFixture>
{
    protected override string ExpectedStorage => "archive";
}

/// <summary>The copy-on-write path: workspaces and snapshots on an XFS with reflinks (scripts/reflink-fs-for-tests.sh).</summary>
public sealed class PrebuildReflinkTests(PrebuildReflinkTests.ReflinkFixture fixture) : PrebuildJourneyTests(fixture), IClassFixture<PrebuildReflinkTests.ReflinkFixture>
{
    protected override string ExpectedStorage => "reflink";

    protected override string? StorageDirectory => fixture.SnapshotDirectory;

    protected override string WorkspaceDirectory(string workspaceId) => Path.Combine(fixture.WorkspacesDirectory, workspaceId);

    public sealed class ReflinkFixture : AppFixture
    {
        private readonly string _root = Path.Combine(
            Environment.GetEnvironmentVariable("WORKSPACES_TEST_REFLINK_DIRECTORY") is { Length: > 0 } mounted
                ? mounted
                : throw new InvalidOperationException("Set WORKSPACES_TEST_REFLINK_DIRECTORY to a directory on a filesystem with reflinks: export WORKSPACES_TEST_REFLINK_DIRECTORY=\"$(scripts/reflink-fs-for-tests.sh start)\" (./test.sh does)."),
            Guid.NewGuid().ToString("N"));

        public string SnapshotDirectory => Path.Combine(_root, "prebuilds");

        public string WorkspacesDirectory => Path.Combine(_root, "workspaces");

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            // Agents outlive the web app by design; these workspaces are outside its data directory, so stop them here.
            await LeftoverAgents.StopAllAsync(_root);
            if (Directory.Exists(_root))
            {
                Directory.Delete(_root, recursive: true);
            }
        }

        protected override Task<IReadOnlyDictionary<string, string?>> CreateSettingsAsync() =>
            Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>
            {
                ["Workspaces:Runtime:Local:WorkspacesDirectory"] = WorkspacesDirectory,
                ["Workspaces:Prebuilds:Storage:Directory"] = SnapshotDirectory,
                ["Workspaces:Prebuilds:Storage:Mode"] = "Reflink",
            });
    }
}
