namespace Workspaces.WorkspaceController.ClusterAccess;

/// <summary>
/// Development namespaces for workspaces whose project turned cluster access on (section
/// <c>Workspaces:Controller:ClusterAccess</c>). Off by default: a Workspace that asks for cluster access then fails with
/// a message saying so, and nothing is created.
/// </summary>
public sealed class ClusterAccessOptions
{
    public const string SectionName = "Workspaces:Controller:ClusterAccess";

    public bool Enabled { get; set; }

    /// <summary>The API server as workspaces reach it (the kubeconfig's server).</summary>
    public string ApiServerUrl { get; set; } = "https://kubernetes.default.svc";

    /// <summary>The API server's endpoint addresses (<c>kubectl get endpoints kubernetes -n default</c>): the workspace's only new egress besides its namespace.</summary>
    public List<string> ApiServerCidrs { get; set; } = [];

    /// <summary>The ports of those endpoints (often 6443 behind the Service's 443).</summary>
    public List<int> ApiServerPorts { get; set; } = [443, 6443];

    /// <summary>The cluster CA the kubeconfig trusts; the controller's own service-account mount by default.</summary>
    public string CaFile { get; set; } = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";

    /// <summary>
    /// The ClusterRole holding <see cref="Ceiling"/> that the controller may bind (the chart's <c>…-dev-ceiling</c>): it binds it
    /// to itself in each development namespace, because Kubernetes lets a Role be created only by someone who holds its rules.
    /// </summary>
    public string CeilingClusterRole { get; set; } = "";

    /// <summary>
    /// The ClusterRole with what the controller does inside a development namespace (service account, token, session secret,
    /// quota, limits, policy, Role and binding): it binds it to itself there, so none of it is granted cluster-wide.
    /// </summary>
    public string OperatorClusterRole { get; set; } = "";

    /// <summary>The controller's service account (in the release's namespace), bound to the ceiling in each development namespace.</summary>
    public string ControllerServiceAccount { get; set; } = "workspaces-controller";

    /// <summary>The widest Role a project may ask for; empty means <see cref="EditRules.Default"/>.</summary>
    public List<ClusterAccessRule> Ceiling { get; set; } = [];

    /// <summary>Namespaces never given to a workspace besides kube-* and default (the release's own is added by the controller).</summary>
    public List<string> ReservedNamespaces { get; set; } = [];

    /// <summary>Services in other namespaces that workspaces and their namespaces may reach (a staging database, a registry).</summary>
    public List<SharedServiceOptions> SharedServices { get; set; } = [];

    /// <summary>How long a workspace's token lives (Kubernetes' minimum is 10 minutes); it is renewed at half its life.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A namespace still terminating after this long is reported stuck in the Workspace's status and events.</summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromMinutes(2);

    public IReadOnlyList<ClusterAccessRule> EffectiveCeiling => Ceiling.Count == 0 ? EditRules.Default : Ceiling;
}

/// <summary>One shared service: its namespace, the labels of its pods and the ports workspaces may use.</summary>
public sealed class SharedServiceOptions
{
    public string Namespace { get; set; } = "";

    public Dictionary<string, string> PodLabels { get; set; } = new(StringComparer.Ordinal);

    public List<int> Ports { get; set; } = [];
}

/// <summary>What a development namespace of one workspace class gets: its ResourceQuota and its LimitRange's container defaults.</summary>
public sealed class DevNamespaceClassOptions
{
    public Dictionary<string, string> Quota { get; set; } = new(StringComparer.Ordinal)
    {
        ["requests.cpu"] = "2",
        ["requests.memory"] = "4Gi",
        ["limits.cpu"] = "4",
        ["limits.memory"] = "8Gi",
        ["requests.storage"] = "20Gi",
        ["persistentvolumeclaims"] = "5",
        ["pods"] = "20",
        ["services"] = "10",
        ["services.loadbalancers"] = "0",
        ["services.nodeports"] = "0",
    };

    public Dictionary<string, string> DefaultLimits { get; set; } = new(StringComparer.Ordinal) { ["cpu"] = "500m", ["memory"] = "512Mi" };

    public Dictionary<string, string> DefaultRequests { get; set; } = new(StringComparer.Ordinal) { ["cpu"] = "100m", ["memory"] = "128Mi" };
}
