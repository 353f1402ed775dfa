using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Workspaces.WorkspaceController.Kubernetes.Controller;

namespace Workspaces.WorkspaceController.Kubernetes;

public static class ControllerExtensions
{
    /// <summary>The Kubernetes controller: options (validated at start), one <see cref="IKubernetes"/>, the reconciler and the leader-elected service.</summary>
    public static IServiceCollection AddWorkspaceController(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ControllerOptions>()
            .Bind(configuration.GetSection(ControllerOptions.SectionName))
            .Configure(o =>
            {
                if (string.IsNullOrEmpty(o.Namespace))
                {
                    o.Namespace = KubernetesClientFactory.PodNamespace() ?? "";
                }

                if (o.Classes.Count == 0)
                {
                    o.Classes[o.DefaultClass] = new WorkspaceClassOptions();
                }

                if (o.Dns.PodLabels.Count == 0)
                {
                    o.Dns.PodLabels["k8s-app"] = "kube-dns";
                }

                if (o.WebPodLabels.Count == 0)
                {
                    o.WebPodLabels["app.kubernetes.io/component"] = "web";
                }

                o.AgentTelemetry.InheritFrom(configuration);
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ControllerOptions>, ControllerOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IKubernetes>(_ => KubernetesClientFactory.Create(configuration));
        services.AddSingleton<EventRecorder>();
        services.AddSingleton<ClusterAccess.DeploymentScaler>();
        services.AddSingleton<ClusterAccess.ClusterAccessReconciler>();
        services.AddSingleton<ClusterAccess.DevNamespaceServices>();
        services.AddSingleton<WorkspaceResourceReconciler>();
        services.AddSingleton<Snapshots.WorkspaceSnapshotReconciler>();
        services.AddSingleton<Snapshots.WorkspaceSnapshotController>();
        services.AddSingleton<WorkspaceControllerService>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkspaceControllerService>());
        services.AddHealthChecks().AddCheck<LeaderElectionHealthCheck>("leader-election");
        return services;
    }
}
