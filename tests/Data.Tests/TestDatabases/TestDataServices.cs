using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Workspaces.Data.Tests.TestDatabases;

/// <summary>A service provider with <c>AddWorkspacesData</c> pointed at a test database.</summary>
public sealed class TestDataServices : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private TestDataServices(ServiceProvider services) => _services = services;

    public IServiceProvider Services => _services;

    public IDbContextFactory<WorkspacesDbContext> Factory => _services.GetRequiredService<IDbContextFactory<WorkspacesDbContext>>();

    public static TestDataServices Create(ITestDatabase database, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(database.Configuration).Build();
        var services = new ServiceCollection()
            .AddLogging()
            .AddWorkspacesData(configuration, database.DataDirectory);
        configure?.Invoke(services);
        return new TestDataServices(services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true }));
    }

    public Task<WorkspacesDbContext> CreateDbContextAsync() => Factory.CreateDbContextAsync();

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
