using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Workspaces.Data.Configuration;

namespace Workspaces.Data;

/// <summary>
/// Applies the migrations of the configured provider. In production a Helm pre-install/pre-upgrade job runs the web
/// app with <c>--migrate-only</c>, which calls <see cref="MigrateAsync"/>; at start-up only the embedded default
/// migrates itself (<see cref="MigrateIfEmbeddedAsync"/>). EF Core takes a database-wide migration lock, so two
/// migrators at once are safe, and refuses to run if the model has changes no migration covers.
/// </summary>
public static partial class DatabaseMigrator
{
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);

        var logger = services.GetService<ILoggerFactory>()?.CreateLogger(typeof(DatabaseMigrator)) ?? NullLogger.Instance;
        var factory = services.GetRequiredService<IDbContextFactory<WorkspacesDbContext>>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);

        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count == 0)
        {
            LogUpToDate(logger, db.Database.ProviderName);
            return;
        }

        LogApplying(logger, pending.Count, db.Database.ProviderName, pending[^1]);
        await db.Database.MigrateAsync(cancellationToken);
        LogApplied(logger, pending.Count);
    }

    /// <summary>Migrates only the embedded default (SQLite). Returns whether it did.</summary>
    public static async Task<bool> MigrateIfEmbeddedAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);

        if (services.GetRequiredService<IOptions<DatabaseOptions>>().Value.GetProvider() is not DatabaseProvider.Sqlite)
        {
            return false;
        }

        await MigrateAsync(services, cancellationToken);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database ({Provider}) is up to date")]
    private static partial void LogUpToDate(ILogger logger, string? provider);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying {Count} migration(s) to the {Provider} database, up to {Target}")]
    private static partial void LogApplying(ILogger logger, int count, string? provider, string target);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied {Count} migration(s)")]
    private static partial void LogApplied(ILogger logger, int count);
}
