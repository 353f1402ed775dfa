using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Workspaces.WorkspaceController.Kubernetes;

/// <summary>
/// The <c>Workspace</c> custom resource: the contract between the web app (which writes <see cref="Spec"/>) and the
/// controller (which writes <see cref="Status"/> through the status subresource). The schema is in the Helm chart
/// (deploy/helm/workspaces/crds/workspaces.yaml); the tests check that the two agree.
/// </summary>
public sealed class WorkspaceResource : IKubernetesObject<V1ObjectMeta>
{
    public const string ApiGroup = "workspaces.dev";
    public const string ApiVersionName = "v1alpha1";
    public const string KindName = "Workspace";
    public const string Plural = "workspaces";

    public WorkspaceResource()
    {
        ApiVersion = $"{ApiGroup}/{ApiVersionName}";
        Kind = KindName;
    }

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string Kind { get; set; }

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public WorkspaceSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public WorkspaceStatus? Status { get; set; }
}

public sealed class WorkspaceResourceList : IKubernetesObject<V1ListMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = $"{WorkspaceResource.ApiGroup}/{WorkspaceResource.ApiVersionName}";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "WorkspaceList";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<WorkspaceResource> Items { get; set; } = [];
}

/// <summary>
/// The wire values of <c>spec.desiredState</c>: what the user asked for, the same concept (and name) as the web app's
/// stored desired state, less <c>Deleted</c>, which the web app expresses by deleting the Workspace.
/// </summary>
public static class DesiredState
{
    public const string Running = "Running";
    public const string Stopped = "Stopped";
}

public sealed class WorkspaceSpec
{
    /// <summary>
    /// The CRD's limit on <see cref="SealedCredentials"/> (base64): 256 KiB, about 45 secret files of 4,000 characters. A
    /// Workspace is an etcd object (1.5 MiB at most) that every watch carries, so larger secrets do not belong in it.
    /// </summary>
    public const int MaxSealedCredentialsLength = 262_144;

    /// <summary>The CRD's limit on a Workspace's name: <c>ws-{name}</c> must stay a 63-character DNS-1035 label.</summary>
    public const int MaxNameLength = 60;

    /// <summary>The id of the user who owns the workspace (informational; the web app authorizes).</summary>
    [JsonPropertyName("owner")]
    public string Owner { get; set; } = "";

    [JsonPropertyName("repository")]
    public WorkspaceRepository Repository { get; set; } = new();

    /// <summary>The toolchain image; empty means the controller's default workspace image.</summary>
    [JsonPropertyName("image")]
    public string? Image { get; set; }

    /// <summary>A class from the controller's configuration: CPU, memory and storage.</summary>
    [JsonPropertyName("workspaceClass")]
    public string? WorkspaceClass { get; set; }

    [JsonPropertyName("env")]
    public IList<WorkspaceEnvVar>? Env { get; set; }

    /// <summary><see cref="Kubernetes.DesiredState.Running"/> or <see cref="Kubernetes.DesiredState.Stopped"/>.</summary>
    [JsonPropertyName("desiredState")]
    public string DesiredState { get; set; } = Kubernetes.DesiredState.Running;

    [JsonPropertyName("timeouts")]
    public WorkspaceTimeouts? Timeouts { get; set; }

    [JsonPropertyName("retention")]
    public WorkspaceRetention? Retention { get; set; }

    /// <summary>The editor's file size limits; null for the agent's defaults. Not secret, so plain spec.</summary>
    [JsonPropertyName("editor")]
    public WorkspaceEditorLimits? Editor { get; set; }

    /// <summary>
    /// The agent's secret and the user's Git credential, encrypted for the controller (<see cref="Resources.SealedCredentials"/>):
    /// the web app may only write Workspace resources, never Secrets, and nobody who can read a Workspace can read these.
    /// </summary>
    [JsonPropertyName("sealedCredentials")]
    public string? SealedCredentials { get; set; }

    /// <summary>A development namespace for this workspace (the project's cluster access); null: none, today's isolation.</summary>
    [JsonPropertyName("clusterAccess")]
    public WorkspaceClusterAccess? ClusterAccess { get; set; }

    /// <summary>
    /// A VolumeSnapshot (a prebuild's) the workspace's volume is created from: the PVC's <c>dataSource</c>. Read only
    /// when the volume is created; a workspace that has its volume keeps its files.
    /// </summary>
    [JsonPropertyName("volumeSnapshot")]
    public string? VolumeSnapshot { get; set; }

    /// <summary>This start runs a prebuild (headless) or is the first start from one: passed to the agent's bootstrap.</summary>
    [JsonPropertyName("prebuild")]
    public WorkspacePrebuild? Prebuild { get; set; }
}

/// <summary>The agent's <see cref="Shared.Prebuilds.PrebuildBootstrap"/> in the spec (no secret in it).</summary>
public sealed class WorkspacePrebuild
{
    [JsonPropertyName("headless")]
    public bool Headless { get; set; }

    [JsonPropertyName("commit")]
    public string? Commit { get; set; }

    [JsonPropertyName("fromPrebuildId")]
    public string? FromPrebuildId { get; set; }

    [JsonPropertyName("fromCommit")]
    public string? FromCommit { get; set; }

    [JsonPropertyName("maxCommitsBehind")]
    public int MaxCommitsBehind { get; set; }

    [JsonPropertyName("restoreMilliseconds")]
    public long RestoreMilliseconds { get; set; }

    public static WorkspacePrebuild? From(Shared.Prebuilds.PrebuildBootstrap? prebuild) => prebuild is null ? null : new WorkspacePrebuild
    {
        Headless = prebuild.Headless,
        Commit = prebuild.Commit,
        FromPrebuildId = prebuild.FromPrebuildId,
        FromCommit = prebuild.FromCommit,
        MaxCommitsBehind = prebuild.MaxCommitsBehind,
        RestoreMilliseconds = prebuild.RestoreMilliseconds,
    };

    public Shared.Prebuilds.PrebuildBootstrap ToBootstrap() => new(Headless, Commit, FromPrebuildId, FromCommit, MaxCommitsBehind, RestoreMilliseconds);
}

public sealed class WorkspaceClusterAccess
{
    /// <summary>The namespace, resolved by the web app from the project's pattern.</summary>
    [JsonPropertyName("namespace")]
    public string Namespace { get; set; } = "";

    /// <summary>The Role's rules; null: the administrator's ceiling.</summary>
    [JsonPropertyName("rules")]
    public IList<ClusterAccess.ClusterAccessRule>? Rules { get; set; }

    /// <summary>Scale the namespace's Deployments to zero when the workspace stops, and back when it starts (off: stopping touches nothing there).</summary>
    [JsonPropertyName("scaleToZeroOnStop")]
    public bool ScaleToZeroOnStop { get; set; }
}

public sealed class WorkspaceRepository
{
    [JsonPropertyName("url")]
    public string Url { get; set; } = "";

    [JsonPropertyName("ref")]
    public string? Ref { get; set; }

    /// <summary>The checkout's directory name under the workspace volume.</summary>
    [JsonPropertyName("checkoutDirectory")]
    public string CheckoutDirectory { get; set; } = "";
}

public sealed class WorkspaceEnvVar
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("value")]
    public string Value { get; set; } = "";
}

public sealed class WorkspaceTimeouts
{
    /// <summary>How long a start may take (scheduling, volume, image pull, clone, agent) before it is reported failed.</summary>
    [JsonPropertyName("startSeconds")]
    public int? StartSeconds { get; set; }

    /// <summary>The pod's termination grace period: how long the agent gets to stop its tasks.</summary>
    [JsonPropertyName("stopGraceSeconds")]
    public int? StopGraceSeconds { get; set; }
}

public sealed class WorkspaceEditorLimits
{
    [JsonPropertyName("softLimitBytes")]
    public long SoftLimitBytes { get; set; }

    [JsonPropertyName("hardLimitBytes")]
    public long HardLimitBytes { get; set; }
}

public sealed class WorkspaceRetention
{
    /// <summary>Keep the volume (the user's files) when the Workspace is deleted.</summary>
    [JsonPropertyName("keepVolumeOnDelete")]
    public bool KeepVolumeOnDelete { get; set; }
}

public static class WorkspaceStatusPhase
{
    public const string Pending = "Pending";
    public const string Starting = "Starting";
    public const string Running = "Running";
    public const string Stopping = "Stopping";
    public const string Stopped = "Stopped";
    public const string Failed = "Failed";
    public const string Deleting = "Deleting";
}

public sealed class WorkspaceStatus
{
    [JsonPropertyName("phase")]
    public string? Phase { get; set; }

    /// <summary>Where a start is: Scheduling, PreparingVolume, PullingImage, Cloning, StartingAgent.</summary>
    [JsonPropertyName("startStep")]
    public string? StartStep { get; set; }

    [JsonPropertyName("message")]
    public string? Message { get; set; }

    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }

    [JsonPropertyName("podName")]
    public string? PodName { get; set; }

    [JsonPropertyName("podIP")]
    public string? PodIP { get; set; }

    /// <summary>The stable DNS name of the workspace (a headless Service): the agent and every workspace port.</summary>
    [JsonPropertyName("host")]
    public string? Host { get; set; }

    [JsonPropertyName("agentUrl")]
    public string? AgentUrl { get; set; }

    /// <summary>Pods that ended while the workspace should run (crash, eviction) within the current start.</summary>
    [JsonPropertyName("restarts")]
    public int? Restarts { get; set; }

    [JsonPropertyName("lastPodFailureAt")]
    public DateTimeOffset? LastPodFailureAt { get; set; }

    /// <summary>The first pod failure of the current crash-loop window (<see cref="ControllerOptions.CrashLoopWindow"/>).</summary>
    [JsonPropertyName("firstPodFailureAt")]
    public DateTimeOffset? FirstPodFailureAt { get; set; }

    /// <summary>The pod whose failure <see cref="Restarts"/> already counts, so a pass retried after a 409 does not count it again.</summary>
    [JsonPropertyName("lastFailedPodUid")]
    public string? LastFailedPodUid { get; set; }

    /// <summary>The spec changed in a way the running pod does not reflect; it applies at the next start (the pod is not rolled under the user).</summary>
    [JsonPropertyName("restartPending")]
    public bool? RestartPending { get; set; }

    [JsonPropertyName("timings")]
    public WorkspaceTimings? Timings { get; set; }

    /// <summary>Ports the agent reports as listening (written by whoever watches the agent).</summary>
    [JsonPropertyName("ports")]
    public IList<WorkspacePortStatus>? Ports { get; set; }

    [JsonPropertyName("git")]
    public WorkspaceGitStatus? Git { get; set; }

    [JsonPropertyName("clusterAccess")]
    public WorkspaceClusterAccessStatus? ClusterAccess { get; set; }
}

public static class ClusterAccessPhase
{
    public const string Ready = "Ready";
    public const string Terminating = "Terminating";
    public const string Stuck = "Stuck";
    public const string Failed = "Failed";
}

public sealed class WorkspaceClusterAccessStatus
{
    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    /// <summary><see cref="ClusterAccessPhase"/>.</summary>
    [JsonPropertyName("phase")]
    public string? Phase { get; set; }

    [JsonPropertyName("message")]
    public string? Message { get; set; }

    /// <summary>What the controller made in the namespace, as kind/name.</summary>
    [JsonPropertyName("objects")]
    public IList<string>? Objects { get; set; }

    [JsonPropertyName("tokenExpiresAt")]
    public DateTimeOffset? TokenExpiresAt { get; set; }

    /// <summary>The stop scaled the namespace's Deployments to zero (their replicas are in an annotation on each); the next start restores them.</summary>
    [JsonPropertyName("scaledToZero")]
    public bool? ScaledToZero { get; set; }

    /// <summary>The namespace's Services the web app may preview (<see cref="ClusterAccess.DevNamespaceServices"/>): at most <see cref="WorkspaceServiceStatus.MaxServices"/>.</summary>
    [JsonPropertyName("services")]
    public IList<WorkspaceServiceStatus>? Services { get; set; }
}

/// <summary>A Service of the development namespace, as the Ports panel lists it and the preview proxy reaches it (by cluster DNS).</summary>
public sealed class WorkspaceServiceStatus
{
    /// <summary>The CRD's bounds (maxItems): a Workspace is an etcd object every watch carries.</summary>
    public const int MaxServices = 32;

    public const int MaxPorts = 16;

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("ports")]
    public IList<WorkspaceServicePortStatus> Ports { get; set; } = [];
}

public sealed class WorkspaceServicePortStatus
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("port")]
    public int Port { get; set; }

    [JsonPropertyName("protocol")]
    public string Protocol { get; set; } = "TCP";
}

public sealed class WorkspaceTimings
{
    [JsonPropertyName("podCreatedAt")]
    public DateTimeOffset? PodCreatedAt { get; set; }

    [JsonPropertyName("scheduledAt")]
    public DateTimeOffset? ScheduledAt { get; set; }

    [JsonPropertyName("initializedAt")]
    public DateTimeOffset? InitializedAt { get; set; }

    [JsonPropertyName("agentStartedAt")]
    public DateTimeOffset? AgentStartedAt { get; set; }

    [JsonPropertyName("readyAt")]
    public DateTimeOffset? ReadyAt { get; set; }
}

public sealed class WorkspacePortStatus
{
    [JsonPropertyName("port")]
    public int Port { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }
}

public sealed class WorkspaceGitStatus
{
    [JsonPropertyName("branch")]
    public string? Branch { get; set; }

    [JsonPropertyName("commit")]
    public string? Commit { get; set; }

    [JsonPropertyName("dirty")]
    public bool? Dirty { get; set; }
}
