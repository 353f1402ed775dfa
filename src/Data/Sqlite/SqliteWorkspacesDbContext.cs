using Microsoft.EntityFrameworkCore;

namespace Workspaces.Data.Sqlite;

/// <summary>The embedded default: SQLite, with its migrations in <c>Migrations/Sqlite</c>.</summary>
public sealed class SqliteWorkspacesDbContext(DbContextOptions<SqliteWorkspacesDbContext> options)
    : WorkspacesDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);

        // SQLite has no date type: EF's default TEXT mapping cannot be compared or ordered in SQL. Store
        // microseconds since the Unix epoch instead: orderable, and the same precision as PostgreSQL's timestamptz,
        // so both providers round values the same way. This also covers DateTimeOffset? properties.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcDateTimeOffsetToUnixMicrosecondsConverter>();
    }
}
