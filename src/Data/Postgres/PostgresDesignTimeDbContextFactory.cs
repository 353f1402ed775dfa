using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.DependencyInjection;

namespace Workspaces.Data.Postgres;

/// <summary>
/// For <c>dotnet ef migrations add Name --context PostgresWorkspacesDbContext -o Migrations/Postgres</c>, which does
/// not connect. Commands that do connect take <c>--connection "Host=…"</c>.
/// </summary>
internal sealed class PostgresDesignTimeDbContextFactory : IDesignTimeDbContextFactory<PostgresWorkspacesDbContext>
{
    public PostgresWorkspacesDbContext CreateDbContext(string[] args) =>
        DesignTime.CreateServices("Postgres", "Host=localhost;Database=workspaces;Username=postgres")
            .GetRequiredService<IDbContextFactory<PostgresWorkspacesDbContext>>()
            .CreateDbContext();
}
