using Microsoft.Extensions.Configuration;
using System.Text;
using k8s;
using k8s.Models;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.FakeKubernetes;
using Workspaces.WorkspaceController.Kubernetes.Resources;

namespace Workspaces.WorkspaceController.Tests.Kubernetes;

/// <summary>
/// Golden files: every resource built for each scenario, rendered as YAML, against testdata/golden/{scenario}/. After an
/// intended change, regenerate with <c>UPDATE_GOLDEN=1 dotnet test --filter WorkspaceResourceBuilderTests</c> and review
/// the diff.
/// </summary>
public sealed class WorkspaceResourceBuilderTests
{
    public static TheoryData<string> Scenarios => new() { "default", "custom-class-image-env", "public-repository-no-internet" };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Build_Scenario_MatchesGoldenFiles(string scenario)
    {
        var (workspace, options, credentials) = Scenario(scenario);
        var secret = WorkspaceResourceBuilder.Secret(workspace, options, credentials);
        var rendered = new Dictionary<string, string>
        {
            ["pvc.yaml"] = KubernetesYaml.Serialize(WorkspaceResourceBuilder.Volume(workspace, options)),
            ["pod.yaml"] = KubernetesYaml.Serialize(WorkspaceResourceBuilder.Pod(workspace, options)),
            ["secret.yaml"] = KubernetesYaml.Serialize(secret),
            ["secret-bootstrap.json"] = Encoding.UTF8.GetString(secret.Data[WorkspaceResourceBuilder.BootstrapKey]),
            ["service.yaml"] = KubernetesYaml.Serialize(WorkspaceResourceBuilder.Service(workspace, options)),
            ["networkpolicy.yaml"] = KubernetesYaml.Serialize(WorkspaceResourceBuilder.NetworkPolicy(workspace, options)),
        };

        GoldenFiles.AssertMatch(scenario, rendered.Select(p => (p.Key, p.Value)));
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Pod_Scenario_IsLockedDown(string scenario)
    {
        var (workspace, options, _) = Scenario(scenario);
        var pod = WorkspaceResourceBuilder.Pod(workspace, options);

        Assert.False(pod.Spec.AutomountServiceAccountToken);
        Assert.True(pod.Spec.SecurityContext.RunAsNonRoot);
        Assert.Equal("RuntimeDefault", pod.Spec.SecurityContext.SeccompProfile.Type);
        foreach (var container in pod.Spec.InitContainers.Concat(pod.Spec.Containers))
        {
            Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
            Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
            Assert.NotEmpty(container.Resources.Requests);
            Assert.NotEmpty(container.Resources.Limits);
        }
    }

    [Fact]
    public void Pod_LargeClass_GetsTheClassResources()
    {
        var (workspace, options, _) = Scenario("custom-class-image-env");

        var main = WorkspaceResourceBuilder.Pod(workspace, options).Spec.Containers.Single();

        Assert.Equal("4", main.Resources.Limits["cpu"].ToString());
        Assert.Equal("8Gi", main.Resources.Limits["memory"].ToString());
        Assert.Equal("ghcr.io/acme/toolchain:2", main.Image);
    }

    [Fact]
    public void NetworkPolicy_Default_AdmitsOnlyTheWebAppAndBlocksClusterNetworks()
    {
        var (workspace, options, _) = Scenario("default");

        var policy = WorkspaceResourceBuilder.NetworkPolicy(workspace, options);

        var from = Assert.Single(Assert.Single(policy.Spec.Ingress).FromProperty);
        Assert.Equal("web", from.PodSelector.MatchLabels["app.kubernetes.io/component"]);
        var internet = policy.Spec.Egress.Single(e => e.Ports is null).To.First().IpBlock;
        Assert.Contains("10.0.0.0/8", internet.Except);
        Assert.Equal(["Ingress", "Egress"], policy.Spec.PolicyTypes);
    }

    [Fact]
    public void NetworkPolicy_Default_SendsDnsOnlyToTheClusterResolverAndBlocksEachFamilyInItsOwnRule()
    {
        var (workspace, options, _) = Scenario("default");

        var egress = WorkspaceResourceBuilder.NetworkPolicy(workspace, options).Spec.Egress;

        var dns = egress.Single(r => r.Ports?.Any(p => p.Port?.Value == "53") == true);
        Assert.All(dns.To, peer => Assert.True(peer.PodSelector?.MatchLabels?["k8s-app"] == "kube-dns" || peer.IpBlock?.Cidr == "169.254.20.10/32"));
        Assert.Equal("kube-system", dns.To[0].NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);
        var blocks = egress.Single(r => r.Ports is null).To.Select(p => p.IpBlock).ToList();
        Assert.Equal(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"], blocks.Single(b => b.Cidr == "0.0.0.0/0").Except);
        Assert.Equal(["fc00::/7", "fe80::/10"], blocks.Single(b => b.Cidr == "::/0").Except);
    }

    [Fact]
    public void AgentTelemetry_Configured_AgentGetsTheCollectorAndItsStartsTraceAndMayReachTheCollectorPods()
    {
        var (workspace, options, credentials) = Scenario("default");
        options.AgentTelemetry.OtlpEndpoint = new Uri("http://otel-collector.monitoring:4317");
        options.AgentTelemetry.LogFormat = "Json";
        options.AgentTelemetry.Namespace = "monitoring";
        options.AgentTelemetry.PodLabels["app.kubernetes.io/name"] = "opentelemetry-collector";
        const string traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        workspace.Metadata.Annotations = new Dictionary<string, string> { [Workspaces.WorkspaceController.Kubernetes.Controller.ControllerTelemetry.TraceParentAnnotation] = traceParent };

        var bootstrap = System.Text.Json.JsonSerializer.Deserialize<Workspaces.Shared.Agent.AgentBootstrap>(
            WorkspaceResourceBuilder.Secret(workspace, options, credentials).Data[WorkspaceResourceBuilder.BootstrapKey], Workspaces.Shared.Agent.AgentJson.Options)!;
        Assert.Equal(new Workspaces.Shared.Agent.AgentTelemetry(new Uri("http://otel-collector.monitoring:4317"), "Grpc", traceParent, "Json"), bootstrap.Telemetry);

        var rule = Assert.Single(WorkspaceResourceBuilder.NetworkPolicy(workspace, options).Spec.Egress, r => r.Ports?.Any(p => p.Port.Value == "4317") == true);
        var peer = Assert.Single(rule.To);
        Assert.Equal("monitoring", peer.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);
        Assert.Equal("opentelemetry-collector", peer.PodSelector.MatchLabels["app.kubernetes.io/name"]);
    }

    [Fact]
    public void AgentTelemetry_ControllersOwnSettingsInAnySpelling_HandedOnInTheirOneSpelling()
    {
        var options = new Workspaces.WorkspaceController.Kubernetes.Telemetry.AgentTelemetryOptions();
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Workspaces:Telemetry:OtlpEndpoint"] = "http://127.0.0.1:4318",
            ["Workspaces:Telemetry:OtlpProtocol"] = "httpprotobuf",
            ["Workspaces:Logging:Format"] = "json",
        }).Build();

        options.InheritFrom(configuration);

        Assert.Equal(("HttpProtobuf", "Json"), (options.OtlpProtocol, options.LogFormat));
        Assert.True(new ControllerOptionsValidator().Validate(null, new ControllerOptions { AgentTelemetry = options }).Failures?.All(f => !f.Contains("AgentTelemetry", StringComparison.Ordinal)) ?? true);
    }

    [Fact]
    public void AgentTelemetry_NotConfigured_AgentExportsNothingAndThePolicyIsUnchanged()
    {
        var (workspace, options, credentials) = Scenario("default");
        options.AgentTelemetry.PodLabels["app.kubernetes.io/name"] = "opentelemetry-collector";

        var bootstrap = System.Text.Json.JsonSerializer.Deserialize<Workspaces.Shared.Agent.AgentBootstrap>(
            WorkspaceResourceBuilder.Secret(workspace, options, credentials).Data[WorkspaceResourceBuilder.BootstrapKey], Workspaces.Shared.Agent.AgentJson.Options)!;

        Assert.Null(bootstrap.Telemetry);
        Assert.DoesNotContain(WorkspaceResourceBuilder.NetworkPolicy(workspace, options).Spec.Egress, r => r.Ports?.Any(p => p.Port.Value == "4317") == true);
    }

    [Fact]
    public void Volume_Always_HasNoOwnerSoRetentionDecides()
    {
        var (workspace, options, _) = Scenario("default");

        Assert.Null(WorkspaceResourceBuilder.Volume(workspace, options).Metadata.OwnerReferences);
        Assert.NotNull(WorkspaceResourceBuilder.Pod(workspace, options).Metadata.OwnerReferences);
    }

    public static (WorkspaceResource Workspace, ControllerOptions Options, WorkspaceCredentials Credentials) Scenario(string name)
    {
        var options = new ControllerOptions
        {
            Namespace = "workspaces",
            AgentImage = "ghcr.io/workspaces/agent:1.0.0",
            DefaultWorkspaceImage = "ghcr.io/workspaces/workspace-default:1.0.0",
            Classes = { ["standard"] = new WorkspaceClassOptions() },
            WebPodLabels = { ["app.kubernetes.io/component"] = "web", ["app.kubernetes.io/instance"] = "workspaces" },
            BlockedCidrs = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10", "fc00::/7", "fe80::/10"],
            Dns = { PodLabels = { ["k8s-app"] = "kube-dns" }, Cidrs = ["169.254.20.10/32"] },
            DiskLimitBytes = 20L * 1024 * 1024 * 1024,
        };
        var workspace = new WorkspaceResource
        {
            Metadata = new V1ObjectMeta { Name = "my-app-k3x9q2mz", NamespaceProperty = "workspaces", Uid = "6f1c1f9e-0000-4000-8000-000000000001", Generation = 3 },
            Spec = new WorkspaceSpec
            {
                Owner = "user-42",
                Repository = new WorkspaceRepository { Url = "https://github.com/acme/my-app.git", Ref = "main", CheckoutDirectory = "my-app" },
                DesiredState = DesiredState.Running,
            },
        };
        var credentials = new WorkspaceCredentials("agent-secret-fixed", "octocat", "ghp_fixedtoken");
        switch (name)
        {
            case "custom-class-image-env":
                options.Classes["large"] = new WorkspaceClassOptions { CpuRequest = "2", CpuLimit = "4", MemoryRequest = "4Gi", MemoryLimit = "8Gi", Storage = "50Gi", EphemeralStorageRequest = "4Gi", EphemeralStorageLimit = "20Gi" };
                options.StorageClassName = "fast-ssd";
                options.WebNamespace = "workspaces-system";
                workspace.Spec.WorkspaceClass = "large";
                workspace.Spec.Image = "ghcr.io/acme/toolchain:2";
                workspace.Spec.Env = [new WorkspaceEnvVar { Name = "NODE_ENV", Value = "development" }, new WorkspaceEnvVar { Name = "FEATURE", Value = "on" }];
                credentials = credentials with
                {
                    Environment = new Dictionary<string, string> { ["FEATURE"] = "sealed-wins", ["NPM_TOKEN"] = "npm_secret" },
                    Files = [new Shared.Agent.WorkspaceFile("service-account.json", "{\"key\":\"x\"}")],
                    DotfilesRepository = "https://github.com/octocat/dotfiles.git",
                };
                workspace.Spec.Timeouts = new WorkspaceTimeouts { StartSeconds = 600, StopGraceSeconds = 60 };
                workspace.Spec.Editor = new WorkspaceEditorLimits { SoftLimitBytes = 1_048_576, HardLimitBytes = 10_485_760 };
                break;
            case "public-repository-no-internet":
                options.AllowInternet = false;
                workspace.Spec.Repository = new WorkspaceRepository { Url = "https://gitlab.com/acme/public.git", CheckoutDirectory = "public" };
                credentials = new WorkspaceCredentials("agent-secret-fixed", null, null);
                break;
        }

        return (workspace, options, credentials);
    }
}
