using Microsoft.EntityFrameworkCore;

namespace Workspaces.Data.Postgres;

/// <summary>How production opens its database.</summary>
internal static class PostgresDatabase
{
    public static void Configure(DbContextOptionsBuilder builder, string connectionString) =>
        // No EnableRetryOnFailure: a retrying execution strategy rejects user-initiated transactions unless every one
        // is wrapped in strategy.ExecuteAsync, and replays whole units of work that may not be idempotent. Transient
        // failures surface as exceptions instead; the reconcile loop is level-triggered and simply tries again on its
        // next pass, and an API request fails and can be repeated by the client.
        builder.UseNpgsql(connectionString);
}
