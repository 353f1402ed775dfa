using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.DependencyInjection;

namespace Workspaces.Data.Sqlite;

/// <summary>
/// For <c>dotnet ef migrations add Name --context SqliteWorkspacesDbContext -o Migrations/Sqlite</c>. Goes through
/// <see cref="DataServiceCollectionExtensions.AddWorkspacesData"/> so the model is exactly the one the app builds.
/// </summary>
internal sealed class SqliteDesignTimeDbContextFactory : IDesignTimeDbContextFactory<SqliteWorkspacesDbContext>
{
    public SqliteWorkspacesDbContext CreateDbContext(string[] args) =>
        DesignTime.CreateServices("Sqlite", "Data Source=:memory:")
            .GetRequiredService<IDbContextFactory<SqliteWorkspacesDbContext>>()
            .CreateDbContext();
}
