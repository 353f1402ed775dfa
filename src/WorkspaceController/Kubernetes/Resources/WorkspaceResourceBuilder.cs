using System.Text.Json;
using k8s.Models;
using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceController.Kubernetes.Resources;

/// <summary>
/// What should exist for one Workspace: pure functions of the resource and the controller's options, no I/O. The
/// reconciler makes it exist; golden-file tests pin every field.
/// </summary>
public static class WorkspaceResourceBuilder
{
    public const string WorkspaceLabel = "workspaces.dev/workspace";
    public const string ComponentLabel = "app.kubernetes.io/component";
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string ManagedBy = "workspaces-controller";
    public const string GenerationAnnotation = "workspaces.dev/generation";

    /// <summary>A hash of the pod's spec and bootstrap secret, set by the reconciler: a running pod with another hash runs an older spec.</summary>
    public const string ConfigHashAnnotation = "workspaces.dev/config-hash";
    public const string Finalizer = "workspaces.dev/cleanup";

    /// <summary>Where the workspace volume is mounted: the agent's WorkspaceDirectory.</summary>
    public const string WorkspaceMount = "/workspace";
    public const string AgentMount = "/opt/workspaces/bin";
    public const string BootstrapMount = "/etc/workspaces";
    public const string BootstrapKey = "bootstrap.json";

    /// <summary>The agent image's layout: a start script choosing the glibc or musl build, and both builds.</summary>
    public const string AgentImageDirectory = "/opt/workspaces/agent";
    public const string AgentImageGlibcBinary = "/opt/workspaces/agent/glibc/Workspaces.WorkspaceAgent";
    public const string CloneOnlySwitch = "--clone-only";

    public const string VolumeSnapshotGroup = "snapshot.storage.k8s.io";

    private const string AgentPortName = "agent";

    public static IDictionary<string, string> Labels(WorkspaceResource workspace) => new Dictionary<string, string>
    {
        ["app.kubernetes.io/name"] = "workspaces",
        [ComponentLabel] = "workspace",
        [ManagedByLabel] = ManagedBy,
        [WorkspaceLabel] = Name(workspace),
    };

    public static string Name(WorkspaceResource workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        return workspace.Metadata.Name;
    }

    public static string Namespace(WorkspaceResource workspace) => workspace.Metadata.NamespaceProperty;

    /// <summary>The DNS name of the workspace's headless Service: it resolves to the pod, for the agent and every port.</summary>
    public static string Host(WorkspaceResource workspace, ControllerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return $"{ControllerOptions.ChildName(Name(workspace))}.{Namespace(workspace)}.svc.{options.ClusterDomain}";
    }

    public static V1PersistentVolumeClaim Volume(WorkspaceResource workspace, ControllerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var workspaceClass = options.ClassFor(workspace.Spec.WorkspaceClass);
        return new V1PersistentVolumeClaim
        {
            ApiVersion = "v1",
            Kind = "PersistentVolumeClaim",
            // No owner reference: the garbage collector would delete the user's files with the Workspace, and retention
            // is the finalizer's decision.
            Metadata = Metadata(workspace, withOwner: false),
            Spec = new V1PersistentVolumeClaimSpec
            {
                AccessModes = ["ReadWriteOnce"],
                StorageClassName = string.IsNullOrEmpty(options.StorageClassName) ? null : options.StorageClassName,
                Resources = new V1VolumeResourceRequirements
                {
                    Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(workspaceClass.Storage) },
                },
                // A prebuild's files: the provisioner restores the snapshot into the new volume before it binds.
                DataSource = string.IsNullOrEmpty(workspace.Spec.VolumeSnapshot) ? null : new V1TypedLocalObjectReference
                {
                    ApiGroup = VolumeSnapshotGroup,
                    Kind = "VolumeSnapshot",
                    Name = workspace.Spec.VolumeSnapshot,
                },
            },
        };
    }

    /// <summary>
    /// A prebuild's volume is snapshotted whole: the agent's state (secret files, logs, markers) and the home go to
    /// emptyDirs mounted over their places, so they never reach the volume, whether or not the agent stops cleanly.
    /// </summary>
    private static void KeepAgentStateOffTheVolume(V1Pod pod)
    {
        var layout = new WorkspaceLayout(WorkspaceMount, "");
        foreach (var (name, path) in new[] { ("prebuild-state", layout.StateDirectory), ("prebuild-home", layout.HomeDirectory) })
        {
            pod.Spec.Volumes.Add(new V1Volume { Name = name, EmptyDir = new V1EmptyDirVolumeSource() });
            foreach (var container in pod.Spec.InitContainers.Concat(pod.Spec.Containers).Where(c => c.VolumeMounts.Any(m => m.Name == "workspace")))
            {
                container.VolumeMounts.Add(new V1VolumeMount { Name = name, MountPath = path });
            }
        }
    }

    /// <param name="withTelemetry">
    /// False for what a pod's configuration hash is taken from: where the agent exports (an operator's setting) is read at
    /// the agent's next start, and changing it must not mark every running workspace as changed.
    /// </param>
    public static V1Secret Secret(WorkspaceResource workspace, ControllerOptions options, WorkspaceCredentials credentials, bool withTelemetry = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credentials);
        var bootstrap = new AgentBootstrap(
            Name(workspace),
            workspace.Spec.Repository.Url,
            string.IsNullOrEmpty(workspace.Spec.Repository.Ref) ? null : workspace.Spec.Repository.Ref,
            WorkspaceMount,
            workspace.Spec.Repository.CheckoutDirectory,
            credentials.AgentSecret,
            credentials.GitCredential,
            $"http://0.0.0.0:{options.AgentPort}",
            options.DiskLimitBytes,
            Environment(workspace, credentials),
            credentials.Files is { Count: > 0 } files ? files : null,
            credentials.DotfilesRepository,
            workspace.Spec.Editor is { } editor ? new EditorLimits(editor.SoftLimitBytes, editor.HardLimitBytes) : null,
            credentials.RepositoryNetwork,
            Telemetry: withTelemetry ? options.AgentTelemetry.For(workspace) : null,
            Prebuild: workspace.Spec.Prebuild?.ToBootstrap() is { } prebuild ? prebuild with { ArchiveUrl = credentials.PrebuildArchiveUrl } : null);
        return new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = Metadata(workspace, withOwner: true),
            Type = "Opaque",
            Data = new Dictionary<string, byte[]> { [BootstrapKey] = JsonSerializer.SerializeToUtf8Bytes(bootstrap, AgentJson.Options) },
        };
    }

    /// <summary>The spec's plain variables (for hand-written Workspaces) overlaid with the sealed ones the web app sends.</summary>
    private static Dictionary<string, string> Environment(WorkspaceResource workspace, WorkspaceCredentials credentials)
    {
        var environment = (workspace.Spec.Env ?? []).ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal);
        foreach (var (name, value) in credentials.Environment ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        return environment;
    }

    public static V1Service Service(WorkspaceResource workspace, ControllerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = Metadata(workspace, withOwner: true),
            Spec = new V1ServiceSpec
            {
                // Headless: the name resolves to the pod itself, so the web app reaches the agent and any port the user's
                // app listens on (previews) without a Service port per port.
                ClusterIP = "None",
                PublishNotReadyAddresses = true,
                Selector = new Dictionary<string, string> { [WorkspaceLabel] = Name(workspace), [ComponentLabel] = "workspace" },
                Ports = [new V1ServicePort { Name = AgentPortName, Port = options.AgentPort, TargetPort = options.AgentPort, Protocol = "TCP" }],
            },
        };
    }

    public static V1NetworkPolicy NetworkPolicy(WorkspaceResource workspace, ControllerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var fromWeb = new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(options.WebPodLabels) } };
        if (!string.IsNullOrEmpty(options.WebNamespace))
        {
            fromWeb.NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = options.WebNamespace } };
        }

        var egress = new List<V1NetworkPolicyEgressRule> { DnsEgress(options) };
        if (InternetEgress(options) is { } internet)
        {
            egress.Add(internet);
        }

        if (workspace.Spec.ClusterAccess is { } access)
        {
            egress.AddRange(ClusterAccess.ClusterAccessBuilder.WorkspaceEgress(access.Namespace, options));
        }

        if (Prebuilds.PrebuildStoreEgress.Rule(workspace, options) is { } store)
        {
            egress.Add(store);
        }

        if (options.AgentTelemetry.Egress(options.Namespace) is { } collector)
        {
            egress.Add(collector);
        }

        return new V1NetworkPolicy
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "NetworkPolicy",
            Metadata = Metadata(workspace, withOwner: true),
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [WorkspaceLabel] = Name(workspace) } },
                PolicyTypes = ["Ingress", "Egress"],
                // Only the web app's pods come in (to the agent and the preview ports); no other workspace, no one else.
                Ingress = [new V1NetworkPolicyIngressRule { FromProperty = [fromWeb] }],
                Egress = egress,
            },
        };
    }

    /// <summary>DNS only to the cluster's resolver: port 53 to anywhere would carry a tunnel even without internet access.</summary>
    internal static V1NetworkPolicyEgressRule DnsEgress(ControllerOptions options)
    {
        var dnsPeers = new List<V1NetworkPolicyPeer>
        {
            new()
            {
                NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = options.Dns.Namespace } },
                PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(options.Dns.PodLabels) },
            },
        };
        dnsPeers.AddRange(options.Dns.Cidrs.Select(c => new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = c } }));
        return new() { To = dnsPeers, Ports = [new V1NetworkPolicyPort { Protocol = "UDP", Port = 53 }, new V1NetworkPolicyPort { Protocol = "TCP", Port = 53 }] };
    }

    /// <summary>The internet without <see cref="ControllerOptions.BlockedCidrs"/>; null when workspaces get no internet.</summary>
    internal static V1NetworkPolicyEgressRule? InternetEgress(ControllerOptions options)
    {
        if (!options.AllowInternet)
        {
            return null;
        }

        // One rule per address family: an ipBlock's except must lie inside its cidr, so IPv6 networks get ::/0.
        var blocked = options.BlockedCidrs.Select(c => (Text: c, Network: System.Net.IPNetwork.Parse(c))).ToList();
        var peers = new List<V1NetworkPolicyPeer>();
        foreach (var (all, family) in new[] { ("0.0.0.0/0", System.Net.Sockets.AddressFamily.InterNetwork), ("::/0", System.Net.Sockets.AddressFamily.InterNetworkV6) })
        {
            var except = blocked.Where(b => b.Network.BaseAddress.AddressFamily == family).Select(b => b.Text).ToList();
            peers.Add(new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = all, Except = except.Count == 0 ? null : except } });
        }

        return new V1NetworkPolicyEgressRule { To = peers };
    }

    /// <summary>Egress to the pods labelled <paramref name="podLabels"/> in namespace <paramref name="ns"/>, on one TCP port.</summary>
    internal static V1NetworkPolicyEgressRule PodsEgress(string ns, IDictionary<string, string> podLabels, int port) => new()
    {
        To =
        [
            new V1NetworkPolicyPeer
            {
                NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = ns } },
                PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(podLabels) },
            },
        ],
        Ports = [new V1NetworkPolicyPort { Protocol = "TCP", Port = port }],
    };

    public static V1Pod Pod(WorkspaceResource workspace, ControllerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var workspaceClass = options.ClassFor(workspace.Spec.WorkspaceClass);
        var image = string.IsNullOrWhiteSpace(workspace.Spec.Image) ? options.DefaultWorkspaceImage : workspace.Spec.Image;
        var bootstrapFile = $"{BootstrapMount}/{BootstrapKey}";
        var metadata = Metadata(workspace, withOwner: true);
        metadata.Annotations = new Dictionary<string, string> { [GenerationAnnotation] = (workspace.Metadata.Generation ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture) };

        var classResources = new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(workspaceClass.CpuRequest), ["memory"] = new(workspaceClass.MemoryRequest) },
            Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(workspaceClass.CpuLimit), ["memory"] = new(workspaceClass.MemoryLimit) },
        };
        // An explicit request: without one it defaults to the limit, and a node fits only a few workspaces.
        if (!string.IsNullOrEmpty(workspaceClass.EphemeralStorageRequest))
        {
            classResources.Requests["ephemeral-storage"] = new(workspaceClass.EphemeralStorageRequest);
        }

        if (!string.IsNullOrEmpty(workspaceClass.EphemeralStorageLimit))
        {
            classResources.Limits["ephemeral-storage"] = new(workspaceClass.EphemeralStorageLimit);
        }

        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = metadata,
            Spec = new V1PodSpec
            {
                Hostname = Name(workspace),
                RestartPolicy = "Never",
                AutomountServiceAccountToken = false,
                EnableServiceLinks = false,
                TerminationGracePeriodSeconds = workspace.Spec.Timeouts?.StopGraceSeconds ?? 30,
                SecurityContext = new V1PodSecurityContext
                {
                    RunAsNonRoot = true,
                    RunAsUser = options.RunAsUser,
                    RunAsGroup = options.RunAsUser,
                    FsGroup = options.RunAsUser,
                    FsGroupChangePolicy = "OnRootMismatch",
                    SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                },
                Volumes =
                [
                    new V1Volume { Name = "workspace", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = ControllerOptions.ChildName(Name(workspace)) } },
                    new V1Volume { Name = "agent", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("512Mi") } },
                    new V1Volume { Name = "clone-tmp", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("1Gi") } },
                    new V1Volume { Name = "bootstrap", Secret = new V1SecretVolumeSource { SecretName = ControllerOptions.ChildName(Name(workspace)), DefaultMode = 288 /* 0440 */ } },
                ],
                InitContainers =
                [
                    new V1Container
                    {
                        Name = "install-agent",
                        Image = options.AgentImage,
                        ImagePullPolicy = options.ImagePullPolicy,
                        Command = ["cp", "-R", $"{AgentImageDirectory}/.", $"{AgentMount}/"],
                        Resources = new V1ResourceRequirements
                        {
                            Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("50m"), ["memory"] = new("32Mi") },
                            Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("128Mi") },
                        },
                        SecurityContext = ContainerSecurity(readOnlyRoot: true),
                        VolumeMounts = [new V1VolumeMount { Name = "agent", MountPath = AgentMount }],
                    },
                    new V1Container
                    {
                        // The agent in clone mode (LibGit2Sharp), from the agent image so the toolchain image needs no git.
                        // A failed clone exits 1 with its reason as the termination message: the pod fails and the
                        // controller shows the reason in the Workspace's status (the start screen).
                        Name = "clone",
                        Image = options.AgentImage,
                        ImagePullPolicy = options.ImagePullPolicy,
                        Command = [AgentImageGlibcBinary, CloneOnlySwitch, "--bootstrap-file", bootstrapFile, "--termination-log", "/dev/termination-log"],
                        TerminationMessagePath = "/dev/termination-log",
                        TerminationMessagePolicy = "FallbackToLogsOnError",
                        Resources = classResources,
                        SecurityContext = ContainerSecurity(readOnlyRoot: true),
                        VolumeMounts =
                        [
                            new V1VolumeMount { Name = "workspace", MountPath = WorkspaceMount },
                            new V1VolumeMount { Name = "bootstrap", MountPath = BootstrapMount, ReadOnlyProperty = true },
                            new V1VolumeMount { Name = "clone-tmp", MountPath = "/tmp" },
                        ],
                    },
                ],
                Containers =
                [
                    new V1Container
                    {
                        Name = "workspace",
                        Image = image,
                        ImagePullPolicy = options.ImagePullPolicy,
                        Command = [$"{AgentMount}/start", "--bootstrap-file", bootstrapFile],
                        WorkingDir = WorkspaceMount,
                        Ports = [new V1ContainerPort { Name = AgentPortName, ContainerPort = options.AgentPort, Protocol = "TCP" }],
                        // Readiness: quick to notice a start; a later miss only marks the workspace unready (the controller
                        // keeps a pod that was ready once). Liveness: whether the agent is dead, tolerant of CPU throttling
                        // (a minute of failed 5 s probes); with restartPolicy Never it ends the pod, and the controller
                        // counts a crash and starts a new one.
                        ReadinessProbe = new V1Probe
                        {
                            HttpGet = new V1HTTPGetAction { Path = AgentProtocol.HealthPath, Port = AgentPortName },
                            PeriodSeconds = 1,
                            TimeoutSeconds = 2,
                            FailureThreshold = 3,
                        },
                        LivenessProbe = new V1Probe
                        {
                            HttpGet = new V1HTTPGetAction { Path = AgentProtocol.HealthPath, Port = AgentPortName },
                            InitialDelaySeconds = 30,
                            PeriodSeconds = 10,
                            TimeoutSeconds = 5,
                            FailureThreshold = 6,
                        },
                        Resources = classResources,
                        SecurityContext = ContainerSecurity(readOnlyRoot: false),
                        VolumeMounts =
                        [
                            new V1VolumeMount { Name = "workspace", MountPath = WorkspaceMount },
                            new V1VolumeMount { Name = "agent", MountPath = AgentMount, ReadOnlyProperty = true },
                            new V1VolumeMount { Name = "bootstrap", MountPath = BootstrapMount, ReadOnlyProperty = true },
                        ],
                    },
                ],
            },
        };
        if (workspace.Spec.ClusterAccess is not null)
        {
            ClusterAccess.ClusterAccessBuilder.AddKubeconfig(pod, workspace);
        }

        if (workspace.Spec.Prebuild is { Headless: true })
        {
            KeepAgentStateOffTheVolume(pod);
        }

        return pod;
    }

    private static V1SecurityContext ContainerSecurity(bool readOnlyRoot) => new()
    {
        AllowPrivilegeEscalation = false,
        Privileged = false,
        RunAsNonRoot = true,
        ReadOnlyRootFilesystem = readOnlyRoot,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };

    internal static V1ObjectMeta Metadata(WorkspaceResource workspace, bool withOwner) => new()
    {
        Name = ControllerOptions.ChildName(Name(workspace)),
        NamespaceProperty = Namespace(workspace),
        Labels = Labels(workspace),
        OwnerReferences = withOwner
            ? [new V1OwnerReference
            {
                ApiVersion = workspace.ApiVersion,
                Kind = workspace.Kind,
                Name = Name(workspace),
                Uid = workspace.Metadata.Uid,
                Controller = true,
                BlockOwnerDeletion = true,
            }]
            : null,
    };
}
