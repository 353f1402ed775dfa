using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Workspaces.Data;

internal static class DesignTime
{
    public static ServiceProvider CreateServices(string provider, string connectionString)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Workspaces:Database:Provider"] = provider,
                ["Workspaces:Database:ConnectionString"] = connectionString,
            })
            .Build();

        return new ServiceCollection()
            .AddWorkspacesData(configuration, Path.GetTempPath())
            .BuildServiceProvider();
    }
}
