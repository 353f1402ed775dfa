using Microsoft.Extensions.Options;
using Workspaces.Data;
using Workspaces.Data.Configuration;

namespace Workspaces.Web.Hosting;

public static class DatabaseStartup
{
    /// <summary>
    /// Migrates the database at start-up for the embedded default (SQLite) or when asked to
    /// (<c>Workspaces:Database:MigrateOnStart</c>). In production the Helm chart runs <c>--migrate-only</c> as a job instead.
    /// </summary>
    public static async Task MigrateEmbeddedDatabaseAsync(this WebApplication app)
    {
        var database = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        if (database.GetProvider() == DatabaseProvider.Sqlite || app.Configuration.GetValue<bool>("Workspaces:Database:MigrateOnStart"))
        {
            await DatabaseMigrator.MigrateAsync(app.Services, app.Lifetime.ApplicationStopping);
        }
    }
}
