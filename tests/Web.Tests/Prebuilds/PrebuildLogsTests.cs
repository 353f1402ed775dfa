using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Workspaces.Data.Prebuilds;
using Workspaces.Data.Projects;
using Workspaces.Data.Teams;
using Workspaces.Data.Tests.TestDatabases;
using Workspaces.TestSupport.Files;
using Workspaces.Web.Hosting;
using Workspaces.Web.Prebuilds;
using Workspaces.Web.Variables;
using Workspaces.WorkspaceController.Prebuilds;

namespace Workspaces.Web.Tests.Prebuilds;

/// <summary>Prebuild logs in the database, on both providers (the two classes at the end of the file).</summary>
public abstract partial class PrebuildLogsTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>, IDisposable
    where TFixture : DatabaseFixture
{
    private const string Secret = "hunter2-project-secret-9f3c";
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dataDirectory = TempDirectory.Create("pb-logs");
    private readonly VariableProtection _protection = new(new EphemeralDataProtectionProvider());
    private readonly PrebuildLogFeed _feed = new();

    public void Dispose()
    {
        _dataDirectory.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Log_WrittenInBatches_IsOneRowPerBatchAndReadsBackAfterARestart()
    {
        var prebuildId = await AddPrebuildAsync();
        using (var logs = Logs())
        {
            await using var writer = await logs.OpenWriterAsync(prebuildId, SecretMask.None, CancellationToken.None);
            for (var batch = 0; batch < 3; batch++)
            {
                for (var line = 0; line < 100; line++)
                {
                    await writer.AppendAsync(string.Create(CultureInfo.InvariantCulture, $"batch {batch} line {line} é✓\n"), CancellationToken.None);
                }

                await writer.FlushAsync(CancellationToken.None);
            }
        }

        Assert.Equal(3, await CountChunksAsync(prebuildId));

        // Another instance over the same database: what a restarted web app, or another replica, reads.
        using var restarted = Logs();
        var (text, length) = await restarted.ReadAsync(prebuildId, 0, CancellationToken.None);
        Assert.StartsWith("batch 0 line 0 é✓\n", text, StringComparison.Ordinal);
        Assert.EndsWith("batch 2 line 99 é✓\n", text, StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetByteCount(text), length);
        Assert.Equal(("", length), await restarted.ReadAsync(prebuildId, length, CancellationToken.None));
        var offset = Encoding.UTF8.GetByteCount("batch 0 line 0 é✓\n");
        Assert.Equal(text[text.IndexOf('\n', StringComparison.Ordinal)..][1..], (await restarted.ReadAsync(prebuildId, offset, CancellationToken.None)).Text);
    }

    [Fact]
    public async Task Log_BeyondTheCap_KeepsHeadAndTailAndSaysHowManyBytesWereDropped()
    {
        const int cap = 64 * 1024;
        var prebuildId = await AddPrebuildAsync();
        using var logs = Logs(maxLogBytes: cap);
        var written = 0L;
        await using (var writer = await logs.OpenWriterAsync(prebuildId, SecretMask.None, CancellationToken.None))
        {
            for (var line = 0; line < 8000; line++)
            {
                var text = line == 0 ? "head-marker\n" : line == 7999 ? "tail-marker\n" : string.Create(CultureInfo.InvariantCulture, $"line {line:D5} of the middle\n");
                written += Encoding.UTF8.GetByteCount(text);
                await writer.AppendAsync(text, CancellationToken.None);
                if (line % 50 == 0)
                {
                    await writer.FlushAsync(CancellationToken.None);
                }
            }
        }

        var stored = await StoredBytesAsync(prebuildId);
        Assert.InRange(stored, cap / 2, cap);
        var whole = await ReadAllAsync(logs, prebuildId);
        Assert.StartsWith("head-marker\n", whole, StringComparison.Ordinal);
        Assert.EndsWith("tail-marker\n", whole, StringComparison.Ordinal);
        var dropped = DroppedNote().Match(whole);
        Assert.True(dropped.Success, "the log says what was dropped");
        Assert.Equal(written - stored, long.Parse(dropped.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Contains("Workspaces:Prebuilds:MaxLogBytes", whole, StringComparison.Ordinal);
        // The line just before the tail's end and the head's first lines are whole.
        Assert.Contains("line 07998 of the middle\n", whole, StringComparison.Ordinal);
        Assert.Contains("line 00001 of the middle\n", whole, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_SecretOfTheProjectInTheOutput_IsNeverInTheStoredRows()
    {
        var prebuildId = await AddPrebuildAsync(secret: Secret);
        var environment = Environment();
        using var logs = Logs(environment);
        await using (var writer = await logs.OpenWriterAsync(prebuildId, await environment.SecretMaskAsync(await ProjectOfAsync(prebuildId), CancellationToken.None), CancellationToken.None))
        {
            await writer.AppendAsync($"token is {Secret}\n", CancellationToken.None);
            await writer.FlushAsync(CancellationToken.None);
            // Split across two rounds of the agent's output: the first half waits for the second.
            await writer.AppendAsync($"again: {Secret[..8]}", CancellationToken.None);
            await writer.FlushAsync(CancellationToken.None);
            await writer.AppendAsync($"{Secret[8..]} done\n", CancellationToken.None);
            await writer.FlushAsync(CancellationToken.None);
        }

        await using var db = await fixture.Data.CreateDbContextAsync();
        var rows = await db.PrebuildLogChunks.Where(c => c.PrebuildId == prebuildId).Select(c => c.Content).ToListAsync();
        var stored = string.Concat(rows.Select(Encoding.UTF8.GetString));
        Assert.DoesNotContain(Secret, stored, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret[..8], stored, StringComparison.Ordinal);
        Assert.Equal("token is ***\nagain: *** done\n", stored);
    }

    [Fact]
    public async Task Log_FileOfAnEarlierVersion_IsImportedMaskedOnFirstReadAndTheFileRemoved()
    {
        var prebuildId = await AddPrebuildAsync(secret: Secret);
        var environment = Environment();
        using var logs = Logs(environment);
        var file = logs.LegacyPath(prebuildId);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, $"Prebuild of an old version\n=== app ===\nsecret {Secret} leaked by init\nSucceeded\n");

        var (text, _) = await logs.ReadAsync(prebuildId, -1, CancellationToken.None);

        Assert.Equal("Prebuild of an old version\n=== app ===\nsecret *** leaked by init\nSucceeded\n", text);
        Assert.False(File.Exists(file), "the file is gone once imported");
        using var restarted = Logs(environment);
        Assert.Equal(text, (await restarted.ReadAsync(prebuildId, 0, CancellationToken.None)).Text);
    }

    [Fact]
    public async Task Retention_OldPrebuild_DeletesItsLogChunks()
    {
        var projectId = await AddProjectAsync();
        var old = await AddPrebuildAsync(projectId, T0);
        var kept = await AddPrebuildAsync(projectId, T0.AddHours(1));
        await using (var db = await fixture.Data.CreateDbContextAsync())
        {
            db.ProjectPrebuildSettings.Add(new ProjectPrebuildSettings { ProjectId = projectId, Enabled = true, KeepPerBranch = 1, ProtectedWebhookSecret = "x" });
            await db.SaveChangesAsync();
        }

        using var logs = Logs();
        foreach (var id in new[] { old, kept })
        {
            await logs.AppendAsync(id, $"log of {id}\n", CancellationToken.None);
        }

        var snapshots = new NoSnapshots();
        using var retention = new PrebuildRetention(fixture.Data.Factory, snapshots, logs, Options.Create(new PrebuildOptions()), new FakeTimeProvider(T0.AddDays(1)), NullLogger<PrebuildRetention>.Instance);
        await retention.CollectAsync(CancellationToken.None);

        Assert.Equal(0, await CountChunksAsync(old));
        Assert.Equal(1, await CountChunksAsync(kept));
        Assert.Contains(old, snapshots.Deleted);
    }

    [Fact]
    public async Task Writer_Flush_TellsThisReplicasWatchersTheNewLength()
    {
        var prebuildId = await AddPrebuildAsync();
        using var logs = Logs();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var watch = _feed.WatchAsync(prebuildId, cancellation.Token).GetAsyncEnumerator(cancellation.Token);
        var next = watch.MoveNextAsync();

        await using var writer = await logs.OpenWriterAsync(prebuildId, SecretMask.None, CancellationToken.None);
        await writer.AppendAsync("first line\n", CancellationToken.None);
        await writer.FlushAsync(CancellationToken.None);

        Assert.True(await next);
        Assert.Equal(writer.Length, watch.Current);
        Assert.Equal("first line\n", (await logs.ReadAsync(prebuildId, 0, CancellationToken.None)).Text);
    }

    [GeneratedRegex(@"\[… (\d+) bytes of output dropped here")]
    private static partial Regex DroppedNote();

    private static async Task<string> ReadAllAsync(PrebuildLogs logs, string prebuildId)
    {
        var text = new StringBuilder();
        var offset = 0L;
        while (true)
        {
            var (chunk, length) = await logs.ReadAsync(prebuildId, offset, CancellationToken.None);
            if (length == offset)
            {
                return text.ToString();
            }

            text.Append(chunk);
            offset = length;
        }
    }

    private PrebuildEnvironment Environment() => new(fixture.Data.Factory, _protection);

    private PrebuildLogs Logs(PrebuildEnvironment? environment = null, long maxLogBytes = 4 * 1024 * 1024) => new(
        fixture.Data.Factory,
        _feed,
        environment ?? Environment(),
        Options.Create(new DataDirectoryOptions { DataDirectory = _dataDirectory.Path }),
        Options.Create(new PrebuildOptions { MaxLogBytes = maxLogBytes }),
        NullLogger<PrebuildLogs>.Instance);

    private async Task<int> CountChunksAsync(string prebuildId)
    {
        await using var db = await fixture.Data.CreateDbContextAsync();
        return await db.PrebuildLogChunks.CountAsync(c => c.PrebuildId == prebuildId);
    }

    private async Task<long> StoredBytesAsync(string prebuildId)
    {
        await using var db = await fixture.Data.CreateDbContextAsync();
        return (await db.PrebuildLogChunks.Where(c => c.PrebuildId == prebuildId).Select(c => c.Content).ToListAsync()).Sum(c => (long)c.Length);
    }

    private async Task<string> ProjectOfAsync(string prebuildId)
    {
        await using var db = await fixture.Data.CreateDbContextAsync();
        return await db.Prebuilds.Where(p => p.Id == prebuildId).Select(p => p.ProjectId).SingleAsync();
    }

    private async Task<string> AddProjectAsync(string? secret = null)
    {
        await using var db = await fixture.Data.CreateDbContextAsync();
        var team = new Team { Id = NewId(), Name = "Team", CreatedAt = T0 };
        var project = new Project { Id = NewId(), TeamId = team.Id, Name = "app", RepositoryUrl = "https://example.com/app.git", CreatedAt = T0, UpdatedAt = T0 };
        db.AddRange(team, project);
        if (secret is not null)
        {
            db.ProjectVariables.Add(new ProjectVariable { ProjectId = project.Id, Name = "API_TOKEN", IsSecret = true, ProtectedValue = _protection.ProtectSecret(secret), UpdatedAt = T0 });
        }

        await db.SaveChangesAsync();
        return project.Id;
    }

    private async Task<string> AddPrebuildAsync(string? secret = null) => await AddPrebuildAsync(await AddProjectAsync(secret), T0);

    private async Task<string> AddPrebuildAsync(string projectId, DateTimeOffset createdAt)
    {
        await using var db = await fixture.Data.CreateDbContextAsync();
        var prebuild = new Prebuild { Id = NewId(), ProjectId = projectId, Branch = "main", Trigger = "manual", Status = PrebuildStatus.Succeeded, CreatedAt = createdAt, EndedAt = createdAt };
        db.Prebuilds.Add(prebuild);
        await db.SaveChangesAsync();
        return prebuild.Id;
    }

    private static string NewId() => Guid.NewGuid().ToString("N");

    private sealed class NoSnapshots : IPrebuildSnapshots
    {
        public List<string> Deleted { get; } = [];

        public Task<PrebuildSnapshot> SnapshotAsync(string workspaceId, string checkoutDirectoryName, string prebuildId, long maxBytes, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("Retention never snapshots.");

        public bool HasCheckout(string workspaceId, string checkoutDirectoryName) => false;

        public Task RestoreAsync(string prebuildId, string workspaceId, string checkoutDirectoryName, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("Retention never restores.");

        public Task DeleteAsync(string prebuildId, CancellationToken cancellationToken)
        {
            Deleted.Add(prebuildId);
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<string>> ListSnapshotsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);
    }
}

public sealed class SqlitePrebuildLogsTests(SqliteDatabaseFixture fixture) : PrebuildLogsTests<SqliteDatabaseFixture>(fixture);

public sealed class PostgresPrebuildLogsTests(PostgresDatabaseFixture fixture) : PrebuildLogsTests<PostgresDatabaseFixture>(fixture);
