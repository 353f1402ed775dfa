using k8s;
using Microsoft.Extensions.Configuration;

namespace Workspaces.WorkspaceController.Kubernetes;

/// <summary>One <see cref="IKubernetes"/> per process: in a pod its service account, elsewhere the kubeconfig (or <c>Workspaces:Kubernetes:ApiServer</c>).</summary>
public static class KubernetesClientFactory
{
    public const string ApiServerKey = "Workspaces:Kubernetes:ApiServer";
    private const string NamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    public static IKubernetes Create(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var apiServer = configuration[ApiServerKey];
        KubernetesClientConfiguration config;
        if (!string.IsNullOrEmpty(apiServer))
        {
            config = new KubernetesClientConfiguration { Host = apiServer };
        }
        else if (KubernetesClientConfiguration.IsInCluster())
        {
            config = KubernetesClientConfiguration.InClusterConfig();
        }
        else
        {
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile();
        }

        return new k8s.Kubernetes(config);
    }

    /// <summary>The namespace of the pod this runs in, if it runs in one.</summary>
    public static string? PodNamespace() =>
        Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } fromEnv ? fromEnv
        : File.Exists(NamespaceFile) ? File.ReadAllText(NamespaceFile).Trim()
        : null;
}
