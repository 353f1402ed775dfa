using System.Text;
using k8s;
using Workspaces.FakeKubernetes;
using Workspaces.WorkspaceController.ClusterAccess;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Resources;
using Workspaces.WorkspaceController.Tests.Kubernetes;

namespace Workspaces.WorkspaceController.Tests.ClusterAccess;

/// <summary>
/// Golden files of a workspace with cluster access (testdata/golden/cluster-access/): its namespace and what lives there,
/// the kubeconfig secret, and its pod and policy. Regenerate with <c>UPDATE_GOLDEN=1</c> and review the diff.
/// </summary>
public sealed class ClusterAccessBuilderTests
{
    [Fact]
    public void Build_WorkspaceWithClusterAccess_MatchesGoldenFiles()
    {
        var (workspace, options) = Scenario();
        var rendered = new Dictionary<string, string>
        {
            ["namespace.yaml"] = KubernetesYaml.Serialize(ClusterAccessBuilder.DevNamespace(workspace)),
            ["serviceaccount.yaml"] = KubernetesYaml.Serialize(ClusterAccessBuilder.ServiceAccount(workspace)),
            ["role.yaml"] = KubernetesYaml.Serialize(ClusterAccessBuilder.Role(workspace, options.ClusterAccess)),
            ["rolebinding.yaml"] = KubernetesYaml.Serialize(ClusterAccessBuilder.RoleBinding(workspace)),
            ["controller-rolebindings.yaml"] = string.Join("---\n", ClusterAccessBuilder.ControllerBindings(workspace, options.ClusterAccess).Select(b => KubernetesYaml.Serialize(b))),
            ["resourcequota.yaml"] = KubernetesYaml.Serialize(ClusterAccessBuilder.Quota(workspace, options)),
            ["limitrange.yaml"] = KubernetesYaml.Serialize(ClusterAccessBuilder.LimitRange(workspace, options)),
            ["networkpolicy-namespace.yaml"] = KubernetesYaml.Serialize(ClusterAccessBuilder.Policy(workspace, options)),
            ["networkpolicy-workspace.yaml"] = KubernetesYaml.Serialize(WorkspaceResourceBuilder.NetworkPolicy(workspace, options)),
            ["pod.yaml"] = KubernetesYaml.Serialize(WorkspaceResourceBuilder.Pod(workspace, options)),
            ["kubeconfig"] = Encoding.UTF8.GetString(ClusterAccessBuilder.KubeSecret(workspace, options.ClusterAccess, "token-x", [1])!.Data[ClusterAccessBuilder.KubeconfigKey]),
        };

        GoldenFiles.AssertMatch("cluster-access", rendered.Select(p => (p.Key, p.Value)));
    }

    [Fact]
    public void Pod_WithoutClusterAccess_HasNoKubeconfigAndNoApiServerEgress()
    {
        var (workspace, options) = Scenario();
        workspace.Spec.ClusterAccess = null;

        var pod = WorkspaceResourceBuilder.Pod(workspace, options);
        var policy = WorkspaceResourceBuilder.NetworkPolicy(workspace, options);

        Assert.DoesNotContain(pod.Spec.Volumes, v => v.Name == "kube");
        Assert.Null(pod.Spec.Containers.Single().Env);
        Assert.DoesNotContain(policy.Spec.Egress, e => e.To.Any(p => p.IpBlock?.Cidr == "172.18.0.2/32"));
    }

    [Fact]
    public void Pod_WithClusterAccess_MountsTheKubeconfigOutsideTheVolumeReadOnly()
    {
        var (workspace, options) = Scenario();

        var main = WorkspaceResourceBuilder.Pod(workspace, options).Spec.Containers.Single();

        var mount = main.VolumeMounts.Single(m => m.Name == "kube");
        Assert.True(mount.ReadOnlyProperty);
        Assert.False(mount.MountPath.StartsWith(WorkspaceResourceBuilder.WorkspaceMount, StringComparison.Ordinal));
        Assert.Equal($"{ClusterAccessBuilder.KubeMount}/config", main.Env.Single(e => e.Name == "KUBECONFIG").Value);
    }

    [Fact]
    public void Ceiling_ChartDefault_IsTheControllersEditRules()
    {
        var manifests = Helm.HelmChart.Template("--set", "clusterAccess.enabled=true", "--set", "clusterAccess.apiServerCidrs[0]=10.0.0.1/32");
        var ceiling = Helm.HelmChart.Find(manifests, "ClusterRole", "-dev-ceiling");

        var rendered = ceiling["rules"]!.AsArray().Select(r => string.Join("|", r!["apiGroups"]!.AsArray()) + ":" + string.Join("|", r["resources"]!.AsArray()) + ":" + string.Join("|", r["verbs"]!.AsArray()));
        var expected = EditRules.Default.Select(r => string.Join("|", r.ApiGroups) + ":" + string.Join("|", r.Resources) + ":" + string.Join("|", r.Verbs));
        Assert.Equal(expected, rendered);
    }

    public static (WorkspaceResource Workspace, ControllerOptions Options) Scenario()
    {
        var (workspace, options, _) = WorkspaceResourceBuilderTests.Scenario("default");
        options.ClusterAccess = new ClusterAccessOptions
        {
            Enabled = true,
            ApiServerCidrs = ["172.18.0.2/32"],
            CeilingClusterRole = "rel-workspaces-dev-ceiling",
            OperatorClusterRole = "rel-workspaces-dev-operator",
            ControllerServiceAccount = "rel-workspaces-controller",
            SharedServices = [new SharedServiceOptions { Namespace = "shared", PodLabels = { ["app"] = "postgres" }, Ports = [5432] }],
        };
        workspace.Spec.ClusterAccess = new WorkspaceClusterAccess { Namespace = "dev-my-app-k3x9q2mz" };
        return (workspace, options);
    }
}
