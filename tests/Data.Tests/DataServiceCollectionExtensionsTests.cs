using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Workspaces.Data.Configuration;
using Workspaces.Data.Postgres;
using Workspaces.Data.Sqlite;

namespace Workspaces.Data.Tests;

public sealed class DataServiceCollectionExtensionsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("workspaces-tests-").FullName;

    private string DataDirectory => Path.Combine(_root, "nested", "data");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void Options_NothingConfigured_DefaultToSqliteFileInTheDataDirectory()
    {
        using var services = BuildServices([]);

        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var builder = new SqliteConnectionStringBuilder(options.ConnectionString);

        Assert.Equal(DatabaseProvider.Sqlite, options.GetProvider());
        Assert.Equal(Path.Combine(DataDirectory, "workspaces.db"), builder.DataSource);
        Assert.True(builder.Pooling);
        Assert.Equal(30, builder.DefaultTimeout);
    }

    [Fact]
    public void Options_ConnectionStringsWorkspacesSet_IsUsed()
    {
        using var services = BuildServices(new()
        {
            ["Workspaces:Database:Provider"] = "Postgres",
            ["ConnectionStrings:Workspaces"] = "Host=db;Database=workspaces",
        });

        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;

        Assert.Equal(DatabaseProvider.Postgres, options.GetProvider());
        Assert.Equal("Host=db;Database=workspaces", options.ConnectionString);
    }

    [Fact]
    public void Options_BothConnectionStringsSet_SectionWins()
    {
        using var services = BuildServices(new()
        {
            ["Workspaces:Database:Provider"] = "Postgres",
            ["Workspaces:Database:ConnectionString"] = "Host=primary",
            ["ConnectionStrings:Workspaces"] = "Host=fallback",
        });

        Assert.Equal("Host=primary", services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString);
    }

    [Fact]
    public async Task HostStart_InvalidProvider_FailsNamingTheKey()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Workspaces:Database:Provider"] = "MySql" });
        builder.Services.AddWorkspacesData(builder.Configuration, DataDirectory);
        using var host = builder.Build();

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Workspaces:Database:Provider must be Sqlite or Postgres", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostStart_PostgresWithoutConnectionString_FailsNamingTheKey()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Workspaces:Database:Provider"] = "Postgres" });
        builder.Services.AddWorkspacesData(builder.Configuration, DataDirectory);
        using var host = builder.Build();

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Workspaces:Database:ConnectionString", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Factory_InvalidProviderBeforeHostStart_ThrowsTheValidationMessage()
    {
        using var services = BuildServices(new() { ["Workspaces:Database:Provider"] = "MySql" });

        var exception = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IDbContextFactory<WorkspacesDbContext>>());

        Assert.Contains("Workspaces:Database:Provider", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Factory_DefaultSqlite_CreatesTheDirectoryAndUsesWriteAheadLogging()
    {
        await using var services = BuildServices([]);

        await using var db = await services.GetRequiredService<IDbContextFactory<WorkspacesDbContext>>().CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        var journalMode = await db.Database.SqlQuery<string>($"SELECT journal_mode AS \"Value\" FROM pragma_journal_mode()").SingleAsync();

        Assert.IsType<SqliteWorkspacesDbContext>(db);
        Assert.True(Directory.Exists(DataDirectory));
        Assert.Equal("wal", journalMode);
    }

    [Fact]
    public void Factory_Postgres_CreatesPostgresContextWithoutConnecting()
    {
        using var services = BuildServices(new()
        {
            ["Workspaces:Database:Provider"] = "Postgres",
            ["Workspaces:Database:ConnectionString"] = "Host=db.invalid;Database=workspaces",
        });

        using var db = services.GetRequiredService<IDbContextFactory<WorkspacesDbContext>>().CreateDbContext();

        Assert.IsType<PostgresWorkspacesDbContext>(db);
        Assert.Equal("Npgsql.EntityFrameworkCore.PostgreSQL", db.Database.ProviderName);
        Assert.False(Directory.Exists(DataDirectory));
    }

    [Fact]
    public void ProviderSpecificFactory_OtherProviderConfigured_ThrowsExplaining()
    {
        using var services = BuildServices([]);

        var exception = Assert.Throws<InvalidOperationException>(() =>
            services.GetRequiredService<IDbContextFactory<PostgresWorkspacesDbContext>>().CreateDbContext());

        Assert.Contains("Workspaces:Database:Provider is Sqlite", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MigrateIfEmbedded_Postgres_DoesNothing()
    {
        await using var services = BuildServices(new()
        {
            ["Workspaces:Database:Provider"] = "Postgres",
            ["Workspaces:Database:ConnectionString"] = "Host=db.invalid;Database=workspaces",
        });

        Assert.False(await DatabaseMigrator.MigrateIfEmbeddedAsync(services, CancellationToken.None));
    }

    [Fact]
    public async Task MigrateIfEmbedded_Sqlite_Migrates()
    {
        await using var services = BuildServices([]);

        Assert.True(await DatabaseMigrator.MigrateIfEmbeddedAsync(services, CancellationToken.None));

        await using var db = await services.GetRequiredService<IDbContextFactory<WorkspacesDbContext>>().CreateDbContextAsync();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public void IdentityOptions_AfterAddWorkspacesData_MatchTheMigrations()
    {
        using var services = BuildServices([]);

        var stores = services.GetRequiredService<IOptions<IdentityOptions>>().Value.Stores;

        WorkspacesDbContext.ValidateIdentityStoreOptions(stores);
        Assert.Equal(IdentitySchemaVersions.Version3, stores.SchemaVersion);
    }

    [Fact]
    public void IdentityOptions_HostOverridesSchemaVersion_FailLoudly()
    {
        using var services = BuildServices([], s => s.Configure<IdentityOptions>(o => o.Stores.SchemaVersion = IdentitySchemaVersions.Version2));

        var stores = services.GetRequiredService<IOptions<IdentityOptions>>().Value.Stores;
        var exception = Assert.Throws<InvalidOperationException>(() => WorkspacesDbContext.ValidateIdentityStoreOptions(stores));

        Assert.Contains("IdentityOptions.Stores.SchemaVersion", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IdentityOptions_Missing_FailLoudly()
    {
        Assert.Throws<InvalidOperationException>(() => WorkspacesDbContext.ValidateIdentityStoreOptions(null));
    }

    private ServiceProvider BuildServices(Dictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddWorkspacesData(configuration, DataDirectory);
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }
}
