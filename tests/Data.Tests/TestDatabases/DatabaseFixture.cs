namespace Workspaces.Data.Tests.TestDatabases;

/// <summary>One migrated database per test class. Tests sharing it write their own rows (fresh ids) and never count the whole table.</summary>
public abstract class DatabaseFixture : IAsyncLifetime
{
    private ITestDatabase? _database;
    private TestDataServices? _data;

    public ITestDatabase Database => _database ?? throw new InvalidOperationException("Not initialized.");

    public TestDataServices Data => _data ?? throw new InvalidOperationException("Not initialized.");

    /// <summary>A new, empty database of the same provider, for tests that need one to themselves.</summary>
    public abstract Task<ITestDatabase> CreateDatabaseAsync();

    public async Task InitializeAsync()
    {
        _database = await CreateDatabaseAsync();
        _data = TestDataServices.Create(_database);
        await DatabaseMigrator.MigrateAsync(_data.Services, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_data is not null)
        {
            await _data.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

public sealed class SqliteDatabaseFixture : DatabaseFixture
{
    public override Task<ITestDatabase> CreateDatabaseAsync() => Task.FromResult<ITestDatabase>(SqliteTestDatabase.Create());
}

public sealed class PostgresDatabaseFixture : DatabaseFixture
{
    public override async Task<ITestDatabase> CreateDatabaseAsync() => await PostgresTestDatabase.CreateAsync("data_tests");
}
