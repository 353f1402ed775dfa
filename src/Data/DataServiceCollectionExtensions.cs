using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Workspaces.Data.Configuration;
using Workspaces.Data.Postgres;
using Workspaces.Data.Sqlite;

namespace Workspaces.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>
    /// Registers the database configured under <c>Workspaces:Database</c> (validated at start):
    /// <see cref="IDbContextFactory{WorkspacesDbContext}"/> (pooled; for the reconciler, background work and Blazor
    /// components) and a scoped <see cref="WorkspacesDbContext"/> (for Identity, Data Protection and requests), both
    /// creating the provider's subclass. The provider is chosen when the first context is created, from the options.
    /// </summary>
    /// <param name="dataDirectory">Where the embedded default keeps <c>workspaces.db</c> when no connection string is configured.</param>
    public static IServiceCollection AddWorkspacesData(this IServiceCollection services, IConfiguration configuration, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);

        services.AddOptions<DatabaseOptions>()
            .Bind(configuration.GetSection(DatabaseOptions.SectionName))
            .PostConfigure(options =>
            {
                if (string.IsNullOrWhiteSpace(options.ConnectionString))
                {
                    options.ConnectionString = configuration.GetConnectionString(DatabaseOptions.ConnectionStringName);
                }

                if (string.IsNullOrWhiteSpace(options.ConnectionString)
                    && DatabaseOptions.TryParseProvider(options.Provider, out var provider)
                    && provider is DatabaseProvider.Sqlite)
                {
                    options.ConnectionString = SqliteDatabase.DefaultConnectionString(dataDirectory);
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DatabaseOptions>, ValidateDatabaseOptions>());

        // Identity derives its tables from these store options when the model is built; the migrations were made with them.
        services.Configure<IdentityOptions>(options => options.Stores.SchemaVersion = WorkspacesDbContext.IdentitySchemaVersion);

        services.AddPooledDbContextFactory<SqliteWorkspacesDbContext>((serviceProvider, builder) =>
            SqliteDatabase.Configure(builder, GetConnectionString(serviceProvider, DatabaseProvider.Sqlite)));
        services.AddPooledDbContextFactory<PostgresWorkspacesDbContext>((serviceProvider, builder) =>
            PostgresDatabase.Configure(builder, GetConnectionString(serviceProvider, DatabaseProvider.Postgres)));

        services.TryAddSingleton<IDbContextFactory<WorkspacesDbContext>>(serviceProvider =>
            serviceProvider.GetRequiredService<IOptions<DatabaseOptions>>().Value.GetProvider() switch
            {
                DatabaseProvider.Sqlite => new ProviderDbContextFactory<SqliteWorkspacesDbContext>(
                    serviceProvider.GetRequiredService<IDbContextFactory<SqliteWorkspacesDbContext>>()),
                DatabaseProvider.Postgres => new ProviderDbContextFactory<PostgresWorkspacesDbContext>(
                    serviceProvider.GetRequiredService<IDbContextFactory<PostgresWorkspacesDbContext>>()),
                var other => throw new InvalidOperationException($"Unknown database provider {other}."),
            });

        // Disposed with the scope, which returns it to the pool.
        services.TryAddScoped(serviceProvider =>
            serviceProvider.GetRequiredService<IDbContextFactory<WorkspacesDbContext>>().CreateDbContext());

        return services;
    }

    private static string GetConnectionString(IServiceProvider serviceProvider, DatabaseProvider expected)
    {
        // Reading Value runs the validators, so a bad configuration fails here with the key to fix.
        var options = serviceProvider.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var configured = options.GetProvider();
        if (configured != expected)
        {
            throw new InvalidOperationException(
                $"The {expected} database context was requested but {DatabaseOptions.SectionName}:Provider is {configured}. Resolve WorkspacesDbContext or IDbContextFactory<WorkspacesDbContext> instead.");
        }

        return options.ConnectionString!;
    }

    private sealed class ProviderDbContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<WorkspacesDbContext>
        where TContext : WorkspacesDbContext
    {
        public WorkspacesDbContext CreateDbContext() => inner.CreateDbContext();

        public async Task<WorkspacesDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
            await inner.CreateDbContextAsync(cancellationToken);
    }
}
