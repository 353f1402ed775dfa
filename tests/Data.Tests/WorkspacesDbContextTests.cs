using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Workspaces.Data.Credentials;
using Workspaces.Data.Tests.TestDatabases;
using Workspaces.Data.Tokens;
using Workspaces.Data.Users;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Agent;

namespace Workspaces.Data.Tests;

/// <summary>The same behaviour on both providers; see the two derived classes at the end of the file.</summary>
public abstract class WorkspacesDbContextTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : DatabaseFixture
{
    /// <summary>A UTC instant with whole microseconds, which both providers store exactly.</summary>
    private static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero).AddTicks(1_234_560);

    private TestDataServices Data => fixture.Data;

    [Fact]
    public async Task Migrate_EmptyDatabase_AppliesEveryMigration()
    {
        await using var database = await fixture.CreateDatabaseAsync();
        await using var data = TestDataServices.Create(database);

        await DatabaseMigrator.MigrateAsync(data.Services, CancellationToken.None);

        await using var db = await data.CreateDbContextAsync();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        Assert.Empty(await db.Workspaces.ToListAsync());
    }

    [Fact]
    public async Task Migrate_AlreadyMigratedDatabase_DoesNothing()
    {
        await DatabaseMigrator.MigrateAsync(Data.Services, CancellationToken.None);

        await using var db = await Data.CreateDbContextAsync();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public async Task HasPendingModelChanges_CommittedMigrations_IsFalse()
    {
        await using var db = await Data.CreateDbContextAsync();

        Assert.False(db.Database.HasPendingModelChanges(), "The model has changed since the last migration: run dotnet ef migrations add for both contexts.");
    }

    [Fact]
    public async Task Workspace_RoundTrip_PreservesEveryProperty()
    {
        var owner = await AddUserAsync();
        var saved = NewWorkspace(owner.Id, w =>
        {
            w.Ref = "feature/x";
            w.DesiredState = DesiredState.Stopped;
            w.DesiredStateReason = "Stopped after 30 minutes without activity";
            w.Phase = WorkspacePhase.Failed;
            w.ErrorCode = AgentErrorCode.AuthenticationRequired;
            w.ErrorMessage = "The repository needs credentials.";
            w.Progress = 0.25;
            w.LastStartedAt = T0.AddMinutes(2);
            w.ReadyAt = T0.AddMinutes(3);
            w.Generation = 7;
        });
        await AddAsync(saved);

        await using var db = await Data.CreateDbContextAsync();
        var loaded = await db.Workspaces.SingleAsync(w => w.Id == saved.Id);

        Assert.Equivalent(saved, loaded, strict: true);
        Assert.Equal(TimeSpan.Zero, loaded.CreatedAt.Offset);
    }

    [Fact]
    public async Task Workspace_NullableColumnsUnset_RoundTripAsNull()
    {
        var owner = await AddUserAsync();
        var saved = NewWorkspace(owner.Id);
        await AddAsync(saved);

        await using var db = await Data.CreateDbContextAsync();
        var loaded = await db.Workspaces.SingleAsync(w => w.Id == saved.Id);

        Assert.Equivalent(saved, loaded, strict: true);
        Assert.Null(loaded.ErrorCode);
        Assert.Null(loaded.LastStartedAt);
    }

    [Fact]
    public async Task WorkspaceStartAndEvent_RoundTrip_PreserveEveryProperty()
    {
        var owner = await AddUserAsync();
        var workspace = await AddAsync(NewWorkspace(owner.Id));
        var start = new WorkspaceStart
        {
            WorkspaceId = workspace.Id,
            RequestedAt = T0,
            AgentStartedAt = T0.AddSeconds(1),
            CloneStartedAt = T0.AddSeconds(2),
            CloneEndedAt = T0.AddSeconds(3),
            TasksStartedAt = T0.AddSeconds(4),
            ReadyAt = T0.AddSeconds(5),
            EndedAt = T0.AddSeconds(6),
            Outcome = WorkspacePhase.Failed,
            ErrorCode = AgentErrorCode.DiskLimitReached,
        };
        var workspaceEvent = new WorkspaceEvent { WorkspaceId = workspace.Id, At = T0, Kind = "agent-restarted", Message = "The agent exited and was restarted." };
        await AddAsync(start, workspaceEvent);

        await using var db = await Data.CreateDbContextAsync();
        Assert.Equivalent(start, await db.WorkspaceStarts.SingleAsync(s => s.Id == start.Id), strict: true);
        Assert.Equivalent(workspaceEvent, await db.WorkspaceEvents.SingleAsync(e => e.Id == workspaceEvent.Id), strict: true);
        Assert.True(start.Id > 0);
        Assert.True(workspaceEvent.Id > 0);
    }

    [Fact]
    public async Task UserCredentialAndToken_RoundTrip_PreserveEveryProperty()
    {
        var user = await AddUserAsync(u =>
        {
            u.IsAdministrator = true;
            u.LockoutEnd = T0.AddDays(1);
        });
        var credential = new GitCredentialRecord
        {
            UserId = user.Id,
            Host = "git.example.com:8443",
            Username = "octocat",
            ProtectedToken = new string('p', FieldLengths.ProtectedValue),
            CreatedAt = T0,
            UpdatedAt = T0.AddHours(1),
        };
        var token = new PersonalAccessToken
        {
            Id = NewId("pat"),
            UserId = user.Id,
            Name = "CI",
            TokenHash = NewHash(),
            Prefix = "wsp_abcd",
            CreatedAt = T0,
            LastUsedAt = T0.AddDays(2),
            ExpiresAt = T0.AddDays(30),
        };
        await AddAsync(credential, token);

        await using var db = await Data.CreateDbContextAsync();
        var loadedUser = await db.Users.SingleAsync(u => u.Id == user.Id);
        Assert.True(loadedUser.IsAdministrator);
        Assert.Equal(user.CreatedAt, loadedUser.CreatedAt);
        Assert.Equal(user.LockoutEnd, loadedUser.LockoutEnd);
        Assert.Equivalent(credential, await db.GitCredentials.SingleAsync(c => c.Id == credential.Id), strict: true);
        Assert.Equivalent(token, await db.PersonalAccessTokens.SingleAsync(t => t.Id == token.Id), strict: true);
    }

    [Fact]
    public async Task Enums_Saved_AreStoredAsTheirNames()
    {
        var owner = await AddUserAsync();
        var workspace = await AddAsync(NewWorkspace(owner.Id, w =>
        {
            w.DesiredState = DesiredState.Running;
            w.Phase = WorkspacePhase.RunningTasks;
            w.ErrorCode = AgentErrorCode.HostUnreachable;
        }));

        await using var db = await Data.CreateDbContextAsync();
        var stored = await db.Database
            .SqlQuery<string>($"""SELECT "DesiredState" || '/' || "Phase" || '/' || "ErrorCode" AS "Value" FROM "Workspaces" WHERE "Id" = {workspace.Id}""")
            .SingleAsync();

        Assert.Equal("Running/RunningTasks/HostUnreachable", stored);
    }

    [Fact]
    public async Task LastActiveAt_BeforeCutoff_IsFilteredAndOrderedInTheDatabase()
    {
        var owner = await AddUserAsync();
        var newest = NewWorkspace(owner.Id, w => w.LastActiveAt = T0.AddMinutes(-1));
        var oldest = NewWorkspace(owner.Id, w => w.LastActiveAt = T0.AddDays(-3));
        var recent = NewWorkspace(owner.Id, w => w.LastActiveAt = T0.AddMinutes(5));
        var middle = NewWorkspace(owner.Id, w => w.LastActiveAt = T0.AddHours(-2));
        await AddAsync(newest, oldest, recent, middle);
        var cutoff = T0;

        await using var db = await Data.CreateDbContextAsync();
        var idle = await db.Workspaces
            .Where(w => w.OwnerId == owner.Id && w.DesiredState == DesiredState.Running && w.LastActiveAt < cutoff)
            .OrderBy(w => w.LastActiveAt)
            .Select(w => w.Id)
            .ToListAsync();
        var latest = await db.Workspaces.Where(w => w.OwnerId == owner.Id).MaxAsync(w => w.LastActiveAt);

        Assert.Equal([oldest.Id, middle.Id, newest.Id], idle);
        Assert.Equal(recent.LastActiveAt, latest);
    }

    [Fact]
    public async Task NullableDates_FilteredAndOrderedDescending_TreatNullAsAbsent()
    {
        var owner = await AddUserAsync();
        var workspace = await AddAsync(NewWorkspace(owner.Id));
        var running = new WorkspaceStart { WorkspaceId = workspace.Id, RequestedAt = T0 };
        var first = new WorkspaceStart { WorkspaceId = workspace.Id, RequestedAt = T0.AddHours(-5), EndedAt = T0.AddHours(-4) };
        var second = new WorkspaceStart { WorkspaceId = workspace.Id, RequestedAt = T0.AddHours(-3), EndedAt = T0.AddHours(-2) };
        await AddAsync(running, first, second);

        await using var db = await Data.CreateDbContextAsync();
        var ended = await db.WorkspaceStarts
            .Where(s => s.WorkspaceId == workspace.Id && s.EndedAt != null && s.EndedAt < T0)
            .OrderByDescending(s => s.EndedAt)
            .Select(s => s.Id)
            .ToListAsync();
        var history = await db.WorkspaceStarts
            .Where(s => s.WorkspaceId == workspace.Id)
            .OrderByDescending(s => s.RequestedAt)
            .Select(s => s.Id)
            .ToListAsync();

        Assert.Equal([second.Id, first.Id], ended);
        Assert.Equal([running.Id, second.Id, first.Id], history);
    }

    [Fact]
    public async Task ExecuteUpdate_ObservedColumns_WritesEnumsAndDates()
    {
        var owner = await AddUserAsync();
        var workspace = await AddAsync(NewWorkspace(owner.Id, w => w.Phase = WorkspacePhase.Cloning));
        var readyAt = T0.AddMinutes(1);

        await using (var db = await Data.CreateDbContextAsync())
        {
            // The reconciler's targeted update: only the observed columns, guarded by the phase it expects.
            var updated = await db.Workspaces
                .Where(w => w.Id == workspace.Id && w.Phase == WorkspacePhase.Cloning)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(w => w.Phase, WorkspacePhase.Ready)
                    .SetProperty(w => w.ErrorCode, (AgentErrorCode?)null)
                    .SetProperty(w => w.ReadyAt, readyAt)
                    .SetProperty(w => w.LastActiveAt, w => w.LastActiveAt < readyAt ? readyAt : w.LastActiveAt));
            Assert.Equal(1, updated);
        }

        await using var check = await Data.CreateDbContextAsync();
        var loaded = await check.Workspaces.SingleAsync(w => w.Id == workspace.Id);
        Assert.Equal(WorkspacePhase.Ready, loaded.Phase);
        Assert.Equal(readyAt, loaded.ReadyAt);
        Assert.Equal(readyAt, loaded.LastActiveAt);
    }

    [Fact]
    public async Task DateTimeOffset_WithSubMicrosecondTicks_IsTruncatedToMicroseconds()
    {
        var owner = await AddUserAsync();
        var workspace = await AddAsync(NewWorkspace(owner.Id, w => w.LastActiveAt = T0.AddTicks(9)));

        await using var db = await Data.CreateDbContextAsync();
        var loaded = await db.Workspaces.SingleAsync(w => w.Id == workspace.Id);

        Assert.Equal(T0, loaded.LastActiveAt);
    }

    [Fact]
    public async Task DateTimeOffset_WithNonUtcOffset_IsRejected()
    {
        var owner = await AddUserAsync();
        var workspace = NewWorkspace(owner.Id, w => w.LastActiveAt = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(2)));

        await using var db = await Data.CreateDbContextAsync();
        db.Workspaces.Add(workspace);
        var exception = await Assert.ThrowsAnyAsync<Exception>(() => db.SaveChangesAsync());

        Assert.Contains("offset", exception.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task GitCredential_SecondForSameUserAndHost_ViolatesUniqueConstraint()
    {
        var user = await AddUserAsync();
        await AddAsync(NewCredential(user.Id, "github.com"));
        await AddAsync(NewCredential(user.Id, "gitlab.com"));

        await using var db = await Data.CreateDbContextAsync();
        db.GitCredentials.Add(NewCredential(user.Id, "github.com"));
        var exception = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());

        AssertUniqueViolation(exception);
    }

    [Fact]
    public async Task GitCredential_SameHostForAnotherUser_IsAllowed()
    {
        var first = await AddUserAsync();
        var second = await AddUserAsync();

        await AddAsync(NewCredential(first.Id, "github.com"), NewCredential(second.Id, "github.com"));

        await using var db = await Data.CreateDbContextAsync();
        Assert.Equal(2, await db.GitCredentials.CountAsync(c => c.UserId == first.Id || c.UserId == second.Id));
    }

    [Fact]
    public async Task PersonalAccessToken_DuplicateHash_ViolatesUniqueConstraint()
    {
        var user = await AddUserAsync();
        var hash = NewHash();
        await AddAsync(NewToken(user.Id, hash));

        await using var db = await Data.CreateDbContextAsync();
        db.PersonalAccessTokens.Add(NewToken(user.Id, hash));
        var exception = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());

        AssertUniqueViolation(exception);
    }

    [Fact]
    public async Task DeleteUser_WithWorkspacesTokensAndCredentials_DeletesThemAll()
    {
        var user = await AddUserAsync();
        var bystander = await AddUserAsync();
        var workspace = await AddAsync(NewWorkspace(user.Id));
        var otherWorkspace = await AddAsync(NewWorkspace(bystander.Id));
        await AddAsync(
            new WorkspaceStart { WorkspaceId = workspace.Id, RequestedAt = T0 },
            new WorkspaceEvent { WorkspaceId = workspace.Id, At = T0, Kind = "created", Message = "Created" },
            NewCredential(user.Id, "github.com"),
            NewToken(user.Id, NewHash()),
            NewCredential(bystander.Id, "github.com"));

        // Only the user is loaded, as UserManager.DeleteAsync does: the database must cascade, not EF's change tracker.
        await using (var db = await Data.CreateDbContextAsync())
        {
            db.Users.Remove(await db.Users.SingleAsync(u => u.Id == user.Id));
            await db.SaveChangesAsync();
        }

        await using var check = await Data.CreateDbContextAsync();
        Assert.False(await check.Workspaces.AnyAsync(w => w.OwnerId == user.Id));
        Assert.False(await check.WorkspaceStarts.AnyAsync(s => s.WorkspaceId == workspace.Id));
        Assert.False(await check.WorkspaceEvents.AnyAsync(e => e.WorkspaceId == workspace.Id));
        Assert.False(await check.GitCredentials.AnyAsync(c => c.UserId == user.Id));
        Assert.False(await check.PersonalAccessTokens.AnyAsync(t => t.UserId == user.Id));
        Assert.True(await check.Workspaces.AnyAsync(w => w.Id == otherWorkspace.Id));
        Assert.True(await check.GitCredentials.AnyAsync(c => c.UserId == bystander.Id));
    }

    [Fact]
    public async Task DeleteWorkspace_WithStartsAndEvents_DeletesThemInTheDatabase()
    {
        var owner = await AddUserAsync();
        var workspace = await AddAsync(NewWorkspace(owner.Id));
        await AddAsync(
            new WorkspaceStart { WorkspaceId = workspace.Id, RequestedAt = T0 },
            new WorkspaceEvent { WorkspaceId = workspace.Id, At = T0, Kind = "created", Message = "Created" });

        await using (var db = await Data.CreateDbContextAsync())
        {
            Assert.Equal(1, await db.Workspaces.Where(w => w.Id == workspace.Id).ExecuteDeleteAsync());
        }

        await using var check = await Data.CreateDbContextAsync();
        Assert.False(await check.WorkspaceStarts.AnyAsync(s => s.WorkspaceId == workspace.Id));
        Assert.False(await check.WorkspaceEvents.AnyAsync(e => e.WorkspaceId == workspace.Id));
    }

    [Fact]
    public async Task Workspace_ForMissingOwner_ViolatesForeignKey()
    {
        await using var db = await Data.CreateDbContextAsync();
        db.Workspaces.Add(NewWorkspace("no-such-user"));

        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
    }

    [Fact]
    public async Task ConcurrentWriters_TwentyContexts_AllWorkspacesSaved()
    {
        const int writers = 20;
        var owner = await AddUserAsync();
        var workspaces = Enumerable.Range(0, writers).Select(_ => NewWorkspace(owner.Id)).ToList();
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var tasks = workspaces.Select(workspace => Task.Run(async () =>
        {
            await using var db = await Data.CreateDbContextAsync();
            await db.Database.OpenConnectionAsync();
            await go.Task;
            // Two statements in one transaction, like the API's "create workspace and record its first event".
            db.Workspaces.Add(workspace);
            db.WorkspaceEvents.Add(new WorkspaceEvent { WorkspaceId = workspace.Id, At = T0, Kind = "created", Message = "Created" });
            await db.SaveChangesAsync();
        })).ToList();
        go.SetResult();
        await Task.WhenAll(tasks);

        await using var check = await Data.CreateDbContextAsync();
        var saved = await check.Workspaces.Where(w => w.OwnerId == owner.Id).Select(w => w.Id).ToListAsync();
        Assert.Equal(workspaces.Select(w => w.Id).Order(), saved.Order());
        Assert.Equal(writers, await check.WorkspaceEvents.CountAsync(e => saved.Contains(e.WorkspaceId)));
    }

    [Fact]
    public async Task ConcurrentTransactions_TwentyReadModifyWrites_AllApplied()
    {
        const int writers = 20;
        var owner = await AddUserAsync();
        var workspace = await AddAsync(NewWorkspace(owner.Id, w => w.Generation = 0));
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Explicit transactions with a targeted update, the reconciler's shape; none may fail with "database is locked".
        var tasks = Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            await using var db = await Data.CreateDbContextAsync();
            await go.Task;
            await using var transaction = await db.Database.BeginTransactionAsync();
            await db.Workspaces.Where(w => w.Id == workspace.Id).ExecuteUpdateAsync(s => s.SetProperty(w => w.Generation, w => w.Generation + 1));
            db.WorkspaceEvents.Add(new WorkspaceEvent { WorkspaceId = workspace.Id, At = T0, Kind = "bumped", Message = "Generation bumped" });
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
        })).ToList();
        go.SetResult();
        await Task.WhenAll(tasks);

        await using var check = await Data.CreateDbContextAsync();
        Assert.Equal(writers, await check.Workspaces.Where(w => w.Id == workspace.Id).Select(w => w.Generation).SingleAsync());
        Assert.Equal(writers, await check.WorkspaceEvents.CountAsync(e => e.WorkspaceId == workspace.Id));
    }

    [Fact]
    public async Task DataProtectionKeys_PersistedThroughContext_AreUsedByTheNextProcess()
    {
        var applicationName = $"data-tests-{Guid.NewGuid():N}";
        void AddDataProtection(IServiceCollection services) =>
            services.AddDataProtection().SetApplicationName(applicationName).PersistKeysToDbContext<WorkspacesDbContext>();

        string protectedPayload;
        await using (var first = TestDataServices.Create(fixture.Database, AddDataProtection))
        {
            protectedPayload = first.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("tests").Protect("agent secret");
        }

        await using (var db = await Data.CreateDbContextAsync())
        {
            Assert.NotEmpty(await db.DataProtectionKeys.Where(k => k.Xml != null && k.Xml.Contains("<key ")).ToListAsync());
        }

        // A new service provider has no keys in memory: only the database can give it the one that protected the payload.
        await using var second = TestDataServices.Create(fixture.Database, AddDataProtection);
        var unprotected = second.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("tests").Unprotect(protectedPayload);
        Assert.Equal("agent secret", unprotected);
    }

    [Fact]
    public async Task ScopedContext_Resolved_IsTheConfiguredProvidersContext()
    {
        await using var scope = Data.Services.CreateAsyncScope();
        var scoped = scope.ServiceProvider.GetRequiredService<WorkspacesDbContext>();
        await using var fromFactory = await Data.CreateDbContextAsync();

        Assert.Same(scoped, scope.ServiceProvider.GetRequiredService<WorkspacesDbContext>());
        Assert.Equal(fromFactory.GetType(), scoped.GetType());
        Assert.Equal(ExpectedContextType, scoped.GetType());
        Assert.True(await scoped.Database.CanConnectAsync());
    }

    protected abstract Type ExpectedContextType { get; }

    private static void AssertUniqueViolation(DbUpdateException exception) =>
        Assert.True(
            exception.InnerException is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 }
                or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation },
            $"Expected a unique constraint violation, got {exception.InnerException}");

    private async Task<AppUser> AddUserAsync(Action<AppUser>? configure = null)
    {
        var name = NewId("user");
        var user = new AppUser
        {
            Id = Guid.NewGuid().ToString(),
            UserName = name,
            NormalizedUserName = name.ToUpperInvariant(),
            Email = $"{name}@example.com",
            NormalizedEmail = $"{name}@example.com".ToUpperInvariant(),
            SecurityStamp = Guid.NewGuid().ToString(),
            CreatedAt = T0,
        };
        configure?.Invoke(user);
        await AddAsync(user);
        return user;
    }

    private async Task<T> AddAsync<T>(T entity)
        where T : class
    {
        await AddAsync([entity]);
        return entity;
    }

    private async Task AddAsync(params object[] entities)
    {
        await using var db = await Data.CreateDbContextAsync();
        db.AddRange(entities);
        await db.SaveChangesAsync();
    }

    private static WorkspaceRecord NewWorkspace(string ownerId, Action<WorkspaceRecord>? configure = null)
    {
        var workspace = new WorkspaceRecord
        {
            Id = NewId("ws"),
            OwnerId = ownerId,
            RepositoryUrl = "https://github.com/example/app.git",
            Name = "app",
            CheckoutDirectoryName = "app",
            DesiredState = DesiredState.Running,
            Phase = WorkspacePhase.Ready,
            ProtectedAgentSecret = "CfDJ8-protected",
            CreatedAt = T0.AddDays(-10),
            LastActiveAt = T0,
        };
        configure?.Invoke(workspace);
        return workspace;
    }

    private static GitCredentialRecord NewCredential(string userId, string host) => new()
    {
        UserId = userId,
        Host = host,
        Username = "octocat",
        ProtectedToken = "CfDJ8-protected",
        CreatedAt = T0,
        UpdatedAt = T0,
    };

    private static PersonalAccessToken NewToken(string userId, string hash) => new()
    {
        Id = NewId("pat"),
        UserId = userId,
        Name = "token",
        TokenHash = hash,
        Prefix = "wsp_1234",
        CreatedAt = T0,
    };

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 17, FieldLengths.Id)];

    private static string NewHash() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
}

public sealed class SqliteWorkspacesDbContextTests(SqliteDatabaseFixture fixture)
    : WorkspacesDbContextTests<SqliteDatabaseFixture>(fixture)
{
    protected override Type ExpectedContextType => typeof(Sqlite.SqliteWorkspacesDbContext);
}

public sealed class PostgresWorkspacesDbContextTests(PostgresDatabaseFixture fixture)
    : WorkspacesDbContextTests<PostgresDatabaseFixture>(fixture)
{
    protected override Type ExpectedContextType => typeof(Postgres.PostgresWorkspacesDbContext);
}
