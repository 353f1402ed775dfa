using System.Text;
using k8s.Models;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Resources;

namespace Workspaces.WorkspaceController.ClusterAccess;

/// <summary>
/// What a workspace with cluster access gets, as pure functions: its development namespace and what lives in it, the
/// kubeconfig secret next to its pod, and the pod's extra mount and egress. Golden files pin every field.
/// </summary>
public static class ClusterAccessBuilder
{
    /// <summary>Marks every development namespace: the selector of the chart's admission policy and of cleanup.</summary>
    public const string DevNamespaceLabel = "workspaces.dev/dev-namespace";

    /// <summary>The namespace of the Workspace a development namespace belongs to (with <see cref="WorkspaceResourceBuilder.WorkspaceLabel"/>).</summary>
    public const string WorkspaceNamespaceLabel = "workspaces.dev/workspace-namespace";
    public const string OwnerUidAnnotation = "workspaces.dev/owner-uid";

    public const string ServiceAccountName = "workspace";
    public const string RoleName = "workspace";
    public const string ControllerBindingName = "workspaces-controller";
    public const string QuotaName = "workspace-quota";
    public const string LimitRangeName = "workspace-defaults";
    public const string PolicyName = "workspace-isolation";

    /// <summary>The object tokens are bound to: deleted when the workspace stops, which revokes every token at once.</summary>
    public const string SessionName = "workspace-session";

    public const string KubeMount = "/var/run/workspaces/kube";
    public const string TokenKey = "token";
    public const string CaKey = "ca.crt";
    public const string KubeconfigKey = "config";

    public static string KubeSecretName(WorkspaceResource workspace) => ControllerOptions.ChildName(workspace.Metadata.Name) + "-kube";

    public static string Namespace(WorkspaceResource workspace) => workspace.Spec.ClusterAccess!.Namespace;

    public static V1Namespace DevNamespace(WorkspaceResource workspace) => new()
    {
        ApiVersion = "v1",
        Kind = "Namespace",
        Metadata = new V1ObjectMeta
        {
            Name = Namespace(workspace),
            // A cluster-scoped object cannot be owned by a namespaced one: ownership is these labels and the uid, and the
            // Workspace's finalizer deletes the namespace.
            Labels = new Dictionary<string, string>(WorkspaceResourceBuilder.Labels(workspace))
            {
                [DevNamespaceLabel] = "true",
                [WorkspaceNamespaceLabel] = workspace.Metadata.NamespaceProperty,
            },
            Annotations = new Dictionary<string, string> { [OwnerUidAnnotation] = workspace.Metadata.Uid },
        },
    };

    public static V1ServiceAccount ServiceAccount(WorkspaceResource workspace) => new()
    {
        ApiVersion = "v1",
        Kind = "ServiceAccount",
        Metadata = Meta(workspace, ServiceAccountName),
        // Its tokens come from the TokenRequest API only; nothing in the namespace mounts one by default.
        AutomountServiceAccountToken = false,
    };

    public static V1Role Role(WorkspaceResource workspace, ClusterAccessOptions options) => new()
    {
        ApiVersion = "rbac.authorization.k8s.io/v1",
        Kind = "Role",
        Metadata = Meta(workspace, RoleName),
        Rules = [.. (workspace.Spec.ClusterAccess!.Rules ?? [.. options.EffectiveCeiling]).Select(r => new V1PolicyRule
        {
            ApiGroups = [.. r.ApiGroups],
            Resources = [.. r.Resources],
            Verbs = [.. r.Verbs],
        })],
    };

    public static V1RoleBinding RoleBinding(WorkspaceResource workspace) => new()
    {
        ApiVersion = "rbac.authorization.k8s.io/v1",
        Kind = "RoleBinding",
        Metadata = Meta(workspace, RoleName),
        RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = RoleName },
        Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = ServiceAccountName, NamespaceProperty = Namespace(workspace) }],
    };

    /// <summary>
    /// The controller's own grants in this namespace, bound by name (it may bind only these two ClusterRoles): the
    /// operator role to make the namespace's objects, and the ceiling so it may create the workspace's Role (RBAC lets
    /// only someone who holds a Role's rules create it).
    /// </summary>
    public static IEnumerable<V1RoleBinding> ControllerBindings(WorkspaceResource workspace, ClusterAccessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (name, clusterRole) in new[] { (ControllerBindingName, options.OperatorClusterRole), (ControllerBindingName + "-ceiling", options.CeilingClusterRole) })
        {
            if (string.IsNullOrEmpty(clusterRole))
            {
                continue;
            }

            yield return new V1RoleBinding
            {
                ApiVersion = "rbac.authorization.k8s.io/v1",
                Kind = "RoleBinding",
                Metadata = Meta(workspace, name),
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = clusterRole },
                Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = options.ControllerServiceAccount, NamespaceProperty = workspace.Metadata.NamespaceProperty }],
            };
        }
    }

    public static V1ResourceQuota Quota(WorkspaceResource workspace, ControllerOptions options) => new()
    {
        ApiVersion = "v1",
        Kind = "ResourceQuota",
        Metadata = Meta(workspace, QuotaName),
        Spec = new V1ResourceQuotaSpec
        {
            Hard = options.ClassFor(workspace.Spec.WorkspaceClass).DevNamespace.Quota.OrderBy(q => q.Key, StringComparer.Ordinal).ToDictionary(q => q.Key, q => new ResourceQuantity(q.Value)),
        },
    };

    public static V1LimitRange LimitRange(WorkspaceResource workspace, ControllerOptions options)
    {
        var dev = options.ClassFor(workspace.Spec.WorkspaceClass).DevNamespace;
        return new V1LimitRange
        {
            ApiVersion = "v1",
            Kind = "LimitRange",
            Metadata = Meta(workspace, LimitRangeName),
            Spec = new V1LimitRangeSpec
            {
                // A quota on requests and limits refuses pods that state none: these defaults let a plain `kubectl run` in.
                Limits =
                [
                    new V1LimitRangeItem
                    {
                        Type = "Container",
                        DefaultProperty = dev.DefaultLimits.ToDictionary(l => l.Key, l => new ResourceQuantity(l.Value)),
                        DefaultRequest = dev.DefaultRequests.ToDictionary(l => l.Key, l => new ResourceQuantity(l.Value)),
                    },
                ],
            },
        };
    }

    /// <summary>
    /// The namespace's pods: reached from each other, from the workspace and from the web app (previews); they reach each
    /// other, DNS, the shared services and the internet as workspaces do, and nothing else of the cluster.
    /// </summary>
    public static V1NetworkPolicy Policy(WorkspaceResource workspace, ControllerOptions options)
    {
        var releaseNamespace = workspace.Metadata.NamespaceProperty;
        var fromWeb = new V1NetworkPolicyPeer
        {
            NamespaceSelector = NamespaceNamed(string.IsNullOrEmpty(options.WebNamespace) ? releaseNamespace : options.WebNamespace),
            PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(options.WebPodLabels) },
        };
        var fromWorkspace = new V1NetworkPolicyPeer
        {
            NamespaceSelector = NamespaceNamed(releaseNamespace),
            PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [WorkspaceResourceBuilder.WorkspaceLabel] = workspace.Metadata.Name } },
        };
        var sameNamespace = new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector() };
        var egress = new List<V1NetworkPolicyEgressRule> { new() { To = [sameNamespace] }, WorkspaceResourceBuilder.DnsEgress(options) };
        egress.AddRange(SharedServiceEgress(options.ClusterAccess));
        if (WorkspaceResourceBuilder.InternetEgress(options) is { } internet)
        {
            egress.Add(internet);
        }

        return new V1NetworkPolicy
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "NetworkPolicy",
            Metadata = Meta(workspace, PolicyName),
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector(),
                PolicyTypes = ["Ingress", "Egress"],
                Ingress = [new V1NetworkPolicyIngressRule { FromProperty = [sameNamespace, fromWorkspace, fromWeb] }],
                Egress = egress,
            },
        };
    }

    /// <summary>The workspace pod's extra egress: the API server, its own development namespace, the shared services.</summary>
    public static IEnumerable<V1NetworkPolicyEgressRule> WorkspaceEgress(string devNamespace, ControllerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var access = options.ClusterAccess;
        yield return new V1NetworkPolicyEgressRule
        {
            To = [.. access.ApiServerCidrs.Select(c => new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = c } })],
            Ports = [.. access.ApiServerPorts.Select(p => new V1NetworkPolicyPort { Protocol = "TCP", Port = p })],
        };
        yield return new V1NetworkPolicyEgressRule { To = [new V1NetworkPolicyPeer { NamespaceSelector = NamespaceNamed(devNamespace) }] };
        foreach (var rule in SharedServiceEgress(access))
        {
            yield return rule;
        }
    }

    private static IEnumerable<V1NetworkPolicyEgressRule> SharedServiceEgress(ClusterAccessOptions access) =>
        access.SharedServices.Select(s => new V1NetworkPolicyEgressRule
        {
            To = [new V1NetworkPolicyPeer { NamespaceSelector = NamespaceNamed(s.Namespace), PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(s.PodLabels) } }],
            Ports = s.Ports.Count == 0 ? null : [.. s.Ports.Select(p => new V1NetworkPolicyPort { Protocol = "TCP", Port = p })],
        });

    public static V1Secret Session(WorkspaceResource workspace) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = Meta(workspace, SessionName),
        Type = "Opaque",
    };

    /// <summary>
    /// The secret mounted into the workspace pod: the current token, the cluster's CA and a kubeconfig that reads the token
    /// from its file (client-go re-reads a tokenFile, so kubectl, helm and skaffold pick up each renewal).
    /// </summary>
    public static V1Secret KubeSecret(WorkspaceResource workspace, ClusterAccessOptions options, string token, byte[] ca) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = new V1ObjectMeta
        {
            Name = KubeSecretName(workspace),
            NamespaceProperty = workspace.Metadata.NamespaceProperty,
            Labels = WorkspaceResourceBuilder.Labels(workspace),
            OwnerReferences = WorkspaceResourceBuilder.Metadata(workspace, withOwner: true).OwnerReferences,
        },
        Type = "Opaque",
        Data = new Dictionary<string, byte[]>
        {
            [TokenKey] = Encoding.UTF8.GetBytes(token),
            [CaKey] = ca,
            [KubeconfigKey] = Encoding.UTF8.GetBytes(Kubeconfig(options.ApiServerUrl, Namespace(workspace))),
        },
    };

    public static string Kubeconfig(string server, string ns) =>
        Kubeconfig(server, $"\n      certificate-authority: {KubeMount}/{CaKey}", $"{KubeMount}/{TokenKey}", ns);

    /// <summary>A workspace's kubeconfig: one cluster and one user reading its token from <paramref name="tokenFile"/> (re-read by client-go, so a renewal is picked up).</summary>
    /// <param name="clusterFields">More fields of the cluster (each a line of its own, starting with a line break), e.g. its CA.</param>
    public static string Kubeconfig(string server, string clusterFields, string tokenFile, string ns) => $"""
        apiVersion: v1
        kind: Config
        clusters:
          - name: workspace
            cluster:
              server: {server}{clusterFields}
        users:
          - name: workspace
            user:
              tokenFile: {tokenFile}
        contexts:
          - name: workspace
            context:
              cluster: workspace
              user: workspace
              namespace: {ns}
        current-context: workspace

        """;

    /// <summary>The kubeconfig secret mounted read-only outside the workspace volume, and KUBECONFIG pointing at it.</summary>
    public static void AddKubeconfig(V1Pod pod, WorkspaceResource workspace)
    {
        ArgumentNullException.ThrowIfNull(pod);
        pod.Spec.Volumes.Add(new V1Volume { Name = "kube", Secret = new V1SecretVolumeSource { SecretName = KubeSecretName(workspace), DefaultMode = 288 /* 0440 */ } });
        var main = pod.Spec.Containers.Single(c => c.Name == "workspace");
        main.VolumeMounts.Add(new V1VolumeMount { Name = "kube", MountPath = KubeMount, ReadOnlyProperty = true });
        main.Env = [.. main.Env ?? [], new V1EnvVar { Name = "KUBECONFIG", Value = $"{KubeMount}/{KubeconfigKey}" }];
    }

    private static V1LabelSelector NamespaceNamed(string ns) =>
        new() { MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = ns } };

    private static V1ObjectMeta Meta(WorkspaceResource workspace, string name) => new()
    {
        Name = name,
        NamespaceProperty = Namespace(workspace),
        Labels = WorkspaceResourceBuilder.Labels(workspace),
    };
}
