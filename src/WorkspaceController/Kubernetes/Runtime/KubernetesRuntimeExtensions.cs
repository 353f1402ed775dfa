using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Workspaces.WorkspaceController.Kubernetes.Prebuilds;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.WorkspaceController.Kubernetes.Runtime;

public static class KubernetesRuntimeExtensions
{
    public const string KindKey = "Workspaces:Runtime:Kind";

    /// <summary>Workspaces as Workspace resources (section <see cref="KubernetesRuntimeOptions.SectionName"/>), options validated at start.</summary>
    public static IServiceCollection AddKubernetesWorkspaceRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KubernetesRuntimeOptions>()
            .Bind(configuration.GetSection(KubernetesRuntimeOptions.SectionName))
            .Configure(o =>
            {
                if (string.IsNullOrEmpty(o.Namespace))
                {
                    o.Namespace = KubernetesClientFactory.PodNamespace() ?? "";
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<KubernetesRuntimeOptions>, KubernetesRuntimeOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IKubernetes>(_ => KubernetesClientFactory.Create(configuration));
        services.AddSingleton<WorkspaceResourceWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkspaceResourceWatch>());
        services.AddSingleton<KubernetesWorkspaceRuntime>();
        services.AddSingleton<IWorkspaceRuntime>(sp => sp.GetRequiredService<KubernetesWorkspaceRuntime>());
        services.AddSingleton<IWorkspacePortAddresses>(sp => sp.GetRequiredService<KubernetesWorkspaceRuntime>());
        services.AddSingleton<IWorkspaceRuntimeChanges>(sp => sp.GetRequiredService<KubernetesWorkspaceRuntime>());
        services.AddSingleton<IAgentReports>(sp => sp.GetRequiredService<KubernetesWorkspaceRuntime>());
        services.AddSingleton<IWorkspaceServices>(sp => sp.GetRequiredService<KubernetesWorkspaceRuntime>());
        services.AddKubernetesPrebuilds(configuration);
        return services;
    }

    /// <summary>True for <c>Kubernetes</c>, false for <c>Local</c> or nothing; anything else is a configuration error.</summary>
    public static bool IsKubernetes(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var kind = configuration[KindKey];
        if (string.IsNullOrEmpty(kind) || string.Equals(kind, "Local", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return string.Equals(kind, "Kubernetes", StringComparison.OrdinalIgnoreCase)
            ? true
            : throw new OptionsValidationException(KindKey, typeof(string), [$"{KindKey} must be Local or Kubernetes (got '{kind}')."]);
    }
}
