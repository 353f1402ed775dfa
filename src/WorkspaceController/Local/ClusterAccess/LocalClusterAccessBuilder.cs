using k8s;
using k8s.Models;
using Workspaces.WorkspaceController.ClusterAccess;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.WorkspaceController.Local.ClusterAccess;

/// <summary>
/// What a local workspace with cluster access gets in the administrator's cluster, as pure functions over
/// <see cref="ClusterAccessBuilder"/>: the same namespace, service account, Role, binding, quota and limits as on
/// Kubernetes. There is no Workspace resource and no pod: the objects carry the workspace's id in their labels and the
/// server's own id for it in the namespace's owner annotation, and the kubeconfig is a file the sandbox shows read-only.
/// </summary>
public static class LocalClusterAccessBuilder
{
    /// <summary>The value of <see cref="ClusterAccessBuilder.WorkspaceNamespaceLabel"/> for local workspaces (there is no release namespace).</summary>
    public const string LocalMarker = "local";

    public const string TokenFile = ClusterAccessBuilder.TokenKey;
    public const string CaFile = ClusterAccessBuilder.CaKey;
    public const string ConfigFile = ClusterAccessBuilder.KubeconfigKey;

    /// <summary>A stand-in Workspace resource for the builder: the workspace's id as its name, the local owner id as its uid.</summary>
    public static WorkspaceResource Resource(string workspaceId, string ownerUid, ClusterAccessLaunch access)
    {
        ArgumentNullException.ThrowIfNull(access);
        return new WorkspaceResource
        {
            Metadata = new V1ObjectMeta { Name = workspaceId, NamespaceProperty = LocalMarker, Uid = ownerUid },
            Spec = new WorkspaceSpec { ClusterAccess = new WorkspaceClusterAccess { Namespace = access.Namespace, Rules = access.Rules?.ToList(), ScaleToZeroOnStop = access.ScaleToZeroOnStop } },
        };
    }

    /// <summary>The controller's options the builder reads, from the local ones (ceiling, dev namespace class; network defaults).</summary>
    public static ControllerOptions ControllerOptionsFor(LocalClusterAccessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var controller = new ControllerOptions { ClusterAccess = new ClusterAccessOptions { Enabled = true, Ceiling = options.Ceiling, ReservedNamespaces = options.ReservedNamespaces } };
        controller.Classes[controller.DefaultClass] = new WorkspaceClassOptions { DevNamespace = options.DevNamespace };
        return controller;
    }

    /// <summary>Everything in creation order: the namespace, then what lives in it.</summary>
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects(WorkspaceResource workspace, LocalClusterAccessOptions options)
    {
        var controller = ControllerOptionsFor(options);
        return
        [
            ClusterAccessBuilder.DevNamespace(workspace),
            ClusterAccessBuilder.ServiceAccount(workspace),
            ClusterAccessBuilder.Role(workspace, controller.ClusterAccess),
            ClusterAccessBuilder.RoleBinding(workspace),
            ClusterAccessBuilder.Quota(workspace, controller),
            ClusterAccessBuilder.LimitRange(workspace, controller),
            Policy(workspace, controller),
        ];
    }

    /// <summary>
    /// The namespace's NetworkPolicy: as on Kubernetes, less the ingress from a workspace pod and the web app's pods, which
    /// do not exist here (a local workspace reaches the namespace through the API server: <c>kubectl port-forward</c>).
    /// </summary>
    public static V1NetworkPolicy Policy(WorkspaceResource workspace, ControllerOptions options)
    {
        var policy = ClusterAccessBuilder.Policy(workspace, options);
        policy.Spec.Ingress = [new V1NetworkPolicyIngressRule { FromProperty = [new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector() }] }];
        return policy;
    }

    /// <summary>
    /// The workspace's kubeconfig: the administrator's server, its CA (a file beside it) or its TLS settings, and the
    /// workspace's token read from <see cref="TokenFile"/> (client-go re-reads a tokenFile, so each renewal is picked up).
    /// </summary>
    /// <param name="directory">Where the files are as the workspace sees them.</param>
    public static string Kubeconfig(Uri server, string ns, string directory, bool hasCa, bool skipTlsVerify, string? tlsServerName)
    {
        ArgumentNullException.ThrowIfNull(server);
        var tls = (hasCa ? $"\n      certificate-authority: {directory}/{CaFile}" : "")
            + (skipTlsVerify ? "\n      insecure-skip-tls-verify: true" : "")
            + (string.IsNullOrEmpty(tlsServerName) ? "" : $"\n      tls-server-name: {tlsServerName}");
        return ClusterAccessBuilder.Kubeconfig(server.AbsoluteUri.TrimEnd('/'), tls, $"{directory}/{TokenFile}", ns);
    }
}
