using Workspaces.WorkspaceController.ClusterAccess;

namespace Workspaces.WorkspaceController.Local.ClusterAccess;

/// <summary>
/// Cluster access for the local runtime (section <c>Workspaces:Runtime:Local:ClusterAccess</c>): the administrator's
/// kubeconfig and context, with which the service gives each workspace of a project with cluster access a development
/// namespace in that cluster, as the controller does on Kubernetes. Off while <see cref="Kubeconfig"/> is empty.
/// </summary>
public sealed class LocalClusterAccessOptions
{
    public const string SectionName = "Workspaces:Runtime:Local:ClusterAccess";

    /// <summary>The administrator's kubeconfig file (kind and k3d write one); empty: no cluster, the feature is off.</summary>
    public string Kubeconfig { get; set; } = "";

    /// <summary>The context of <see cref="Kubeconfig"/> to use; empty: the file's current-context.</summary>
    public string Context { get; set; } = "";

    /// <summary>
    /// Whether a context whose user runs a credential plugin (<c>exec</c>) or an <c>auth-provider</c> is accepted. Off: such
    /// a kubeconfig is refused at start, because the service would run that command as its own user, with its environment.
    /// </summary>
    public bool AllowCredentialPlugins { get; set; }

    /// <summary>The widest Role a project may ask for; empty means <see cref="EditRules.Default"/> (as <c>Workspaces:ClusterAccess:Ceiling</c> on Kubernetes).</summary>
    public List<ClusterAccessRule> Ceiling { get; set; } = [];

    /// <summary>Namespaces never given to a workspace besides kube-* and default.</summary>
    public List<string> ReservedNamespaces { get; set; } = [];

    /// <summary>How long a workspace's token lives (Kubernetes' minimum is 10 minutes); it is renewed at half its life.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A namespace still terminating after this long is reported stuck in the workspace's events.</summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the service renews tokens that are due and looks at the namespaces' quotas.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one request to the API server may take: an unreachable cluster fails a start's cluster access after this, not the start.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The ResourceQuota and LimitRange defaults of every development namespace.</summary>
    public DevNamespaceClassOptions DevNamespace { get; set; } = new();

    /// <summary>Cluster access is configured: a kubeconfig is named.</summary>
    public bool Configured => !string.IsNullOrWhiteSpace(Kubeconfig);

    public IReadOnlyList<ClusterAccessRule> EffectiveCeiling => Ceiling.Count == 0 ? EditRules.Default : Ceiling;
}
