using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.WorkspaceController.Local.ClusterAccess;

public static class LocalClusterAccessExtensions
{
    /// <summary>Cluster access for the local runtime: its options (validated at start), the client, the service and (<paramref name="renew"/>) its renewal loop.</summary>
    public static IServiceCollection AddLocalClusterAccess(this IServiceCollection services, IConfiguration configuration, bool renew = true)
    {
        services.AddOptions<LocalClusterAccessOptions>().Bind(configuration.GetSection(LocalClusterAccessOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LocalClusterAccessOptions>, LocalClusterAccessOptionsValidator>();
        services.AddSingleton<LocalCluster>();
        services.AddSingleton<LocalClusterAccess>();
        services.AddSingleton<IWorkspaceRuntimeEvents>(sp => sp.GetRequiredService<LocalClusterAccess>());
        if (renew)
        {
            services.AddHostedService<LocalClusterAccessRenewer>();
        }

        return services;
    }
}
