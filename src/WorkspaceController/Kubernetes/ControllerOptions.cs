namespace Workspaces.WorkspaceController.Kubernetes;

/// <summary>Settings of the Kubernetes controller (section <c>Workspaces:Controller</c>).</summary>
public sealed class ControllerOptions
{
    public const string SectionName = "Workspaces:Controller";

    /// <summary>The namespace whose Workspace resources the controller reconciles and where it creates their pods.</summary>
    public string Namespace { get; set; } = "";

    /// <summary>The image holding the agent binaries (/opt/workspaces/agent); its init container copies them into the pod.</summary>
    public string AgentImage { get; set; } = "";

    /// <summary>The toolchain image of workspaces that name none.</summary>
    public string DefaultWorkspaceImage { get; set; } = "";

    public string ImagePullPolicy { get; set; } = "IfNotPresent";

    /// <summary>The port the agent listens on inside the pod.</summary>
    public int AgentPort { get; set; } = 8700;

    /// <summary>The storage class of workspace volumes; empty means the cluster's default.</summary>
    public string? StorageClassName { get; set; }

    public string DefaultClass { get; set; } = "standard";

    public Dictionary<string, WorkspaceClassOptions> Classes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The labels of the web app's pods: the only pods a workspace accepts connections from.</summary>
    public Dictionary<string, string> WebPodLabels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The web app's namespace if it is not <see cref="Namespace"/>.</summary>
    public string? WebNamespace { get; set; }

    /// <summary>Whether workspaces may open connections to the internet (everything outside <see cref="BlockedCidrs"/>).</summary>
    public bool AllowInternet { get; set; } = true;

    /// <summary>Addresses workspaces never reach: the cluster's pod and service networks, the node and metadata networks.</summary>
    public List<string> BlockedCidrs { get; set; } = [];

    public string ClusterDomain { get; set; } = "cluster.local";

    /// <summary>The only place workspaces may send DNS queries: the cluster's resolver (port 53 anywhere else would be a tunnel).</summary>
    public DnsOptions Dns { get; set; } = new();

    /// <summary>The AES-256 key (base64) that opens <see cref="WorkspaceSpec.SealedCredentials"/>; shared with the web app.</summary>
    public string CredentialKey { get; set; } = "";

    /// <summary>A clone larger than this fails with "disk limit reached"; 0 means no limit.</summary>
    public long DiskLimitBytes { get; set; }

    /// <summary>The uid and gid workspace processes run as.</summary>
    public long RunAsUser { get; set; } = 1000;

    public int Workers { get; set; } = 4;

    /// <summary>The first retry of a failing workspace; doubles each time up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan BaseBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A start that takes longer than this (and the workspace names no timeout) is reported failed.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>After this many pod failures within <see cref="CrashLoopWindow"/> the workspace ends Failed with no pod.</summary>
    public int CrashLoopLimit { get; set; } = 5;

    public TimeSpan CrashLoopWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often every workspace is reconciled without a change, re-verifying its children (volume, secret, service, policy).</summary>
    public TimeSpan ResyncPeriod { get; set; } = TimeSpan.FromMinutes(5);

    public LeaderElectionOptions LeaderElection { get; set; } = new();

    /// <summary>Development namespaces for workspaces of projects with cluster access (off by default).</summary>
    public ClusterAccess.ClusterAccessOptions ClusterAccess { get; set; } = new();

    /// <summary>The in-cluster object store of prebuild archives that workspaces with a prebuild may reach.</summary>
    public Prebuilds.PrebuildStoreOptions PrebuildStore { get; set; } = new();

    /// <summary>Where the agents send their telemetry, and the collector's pods their NetworkPolicy lets them reach.</summary>
    public Telemetry.AgentTelemetryOptions AgentTelemetry { get; set; } = new();

    /// <summary>WorkspaceSnapshots reconciled into CSI VolumeSnapshots (prebuilds kept as VolumeSnapshots; off by default).</summary>
    public SnapshotOptions Snapshots { get; set; } = new();

    /// <summary>How the builders name and label what they create, for the workspace called <paramref name="workspaceName"/>.</summary>
    public static string ChildName(string workspaceName) => $"ws-{workspaceName}";

    public WorkspaceClassOptions ClassFor(string? name) =>
        Classes.TryGetValue(string.IsNullOrEmpty(name) ? DefaultClass : name, out var found) ? found
        : Classes.TryGetValue(DefaultClass, out var fallback) ? fallback
        : new WorkspaceClassOptions();
}

/// <summary>What a workspace of one class gets. Quantities are Kubernetes quantities (<c>500m</c>, <c>2Gi</c>).</summary>
public sealed class WorkspaceClassOptions
{
    public string CpuRequest { get; set; } = "500m";

    public string CpuLimit { get; set; } = "2";

    public string MemoryRequest { get; set; } = "1Gi";

    public string MemoryLimit { get; set; } = "4Gi";

    public string Storage { get; set; } = "10Gi";

    /// <summary>What the scheduler reserves on the node for the pod's writable layer and logs (without it the request defaults to the limit).</summary>
    public string? EphemeralStorageRequest { get; set; } = "1Gi";

    public string? EphemeralStorageLimit { get; set; } = "10Gi";

    /// <summary>The quota and container defaults of this class's development namespaces (cluster access).</summary>
    public ClusterAccess.DevNamespaceClassOptions DevNamespace { get; set; } = new();
}

/// <summary>Where the cluster's DNS resolver runs: its pods by namespace and labels, plus addresses of a node-local cache.</summary>
public sealed class DnsOptions
{
    public string Namespace { get; set; } = "kube-system";

    public Dictionary<string, string> PodLabels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Resolver addresses that are not pods (NodeLocal DNSCache's link-local address, e.g. 169.254.20.10/32).</summary>
    public List<string> Cidrs { get; set; } = [];
}

/// <summary>Section <c>Workspaces:Controller:Snapshots</c>.</summary>
public sealed class SnapshotOptions
{
    /// <summary>Reconcile WorkspaceSnapshots; needs the cluster's VolumeSnapshot API and the controller's rights on it (the chart's prebuilds.storage=volumeSnapshot).</summary>
    public bool Enabled { get; set; }
}

public sealed class LeaderElectionOptions
{
    public bool Enabled { get; set; } = true;

    public string LeaseName { get; set; } = "workspaces-controller";

    /// <summary>This replica's name in the Lease; defaults to the pod name (HOSTNAME).</summary>
    public string? Identity { get; set; }

    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);
}
