using Workspaces.Data.Tests.TestDatabases;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Workspaces;

/// <summary>The lifecycle on PostgreSQL, as production runs it. Fails (never skips) when WORKSPACES_TEST_POSTGRES is missing.</summary>
public sealed class PostgresLifecycleTests(PostgresAppFixture fixture) : LifecycleTests<PostgresAppFixture>(fixture);

/// <summary>The web app on a throwaway PostgreSQL database, migrated at start as an operator's job would.</summary>
public sealed class PostgresAppFixture : AppFixture
{
    private PostgresTestDatabase? _database;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    protected override async Task<IReadOnlyDictionary<string, string?>> CreateSettingsAsync()
    {
        _database = await PostgresTestDatabase.CreateAsync("web_tests");
        return new Dictionary<string, string?>(_database.Configuration)
        {
            ["Workspaces:Database:MigrateOnStart"] = "true",
        };
    }
}
