using Microsoft.EntityFrameworkCore;

namespace Workspaces.Data.Postgres;

/// <summary>
/// Production: PostgreSQL, with its migrations in <c>Migrations/Postgres</c>. <see cref="DateTimeOffset"/> maps to
/// <c>timestamp with time zone</c>, which accepts UTC values only (Npgsql refuses other offsets).
/// </summary>
public sealed class PostgresWorkspacesDbContext(DbContextOptions<PostgresWorkspacesDbContext> options)
    : WorkspacesDbContext(options);
