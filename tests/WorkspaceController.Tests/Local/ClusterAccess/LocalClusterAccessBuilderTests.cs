using k8s;
using Workspaces.FakeKubernetes;
using Workspaces.WorkspaceController.ClusterAccess;
using Workspaces.WorkspaceController.Local.ClusterAccess;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.WorkspaceController.Tests.Local.ClusterAccess;

/// <summary>
/// Golden files of a local workspace's development namespace (testdata/golden/local-cluster-access/): the same objects as
/// on Kubernetes, labelled with the workspace's id and owned by annotation (no Workspace resource, no ownerReferences), a
/// policy without the workspace pod's and web app's ingress, and the kubeconfig. Regenerate with <c>UPDATE_GOLDEN=1</c>.
/// </summary>
public sealed class LocalClusterAccessBuilderTests
{
    [Fact]
    public void Build_LocalWorkspaceWithClusterAccess_MatchesGoldenFiles()
    {
        var options = new LocalClusterAccessOptions();
        options.DevNamespace.Quota["pods"] = "10";
        var rules = new[] { ClusterAccessRule.Of([""], ["pods", "services", "configmaps"], ["get", "list", "watch", "create", "delete"]), ClusterAccessRule.Of(["apps"], ["deployments"], ["*"]) };
        var workspace = LocalClusterAccessBuilder.Resource("shop-k3x9q2mz", "local-0123456789abcdef", new ClusterAccessLaunch("dev-shop-k3x9q2mz", rules));

        var rendered = LocalClusterAccessBuilder.Objects(workspace, options)
            .Select(o => (File: o.Kind.ToLowerInvariant() + ".yaml", Text: KubernetesYaml.Serialize(o)))
            .Append(("kubeconfig", LocalClusterAccessBuilder.Kubeconfig(new Uri("https://127.0.0.1:39245"), "dev-shop-k3x9q2mz", "/var/run/workspaces/kube", hasCa: true, skipTlsVerify: false, tlsServerName: null)))
            .Append(("kubeconfig-tls-server-name", LocalClusterAccessBuilder.Kubeconfig(new Uri("https://0.0.0.0:6443/"), "dev-shop-k3x9q2mz", "/var/run/workspaces/kube", hasCa: true, skipTlsVerify: false, tlsServerName: "kubernetes")))
            .ToList();

        Assert.Equal(9, rendered.Count);
        GoldenFiles.AssertMatch("local-cluster-access", rendered);
    }

    [Theory]
    [InlineData("https://127.0.0.1:39245", true)]
    [InlineData("https://localhost:6443", true)]
    [InlineData("https://0.0.0.0:6443", true)]
    [InlineData("https://[::1]:6443", true)]
    [InlineData("https://10.0.0.5:6443", false)]
    [InlineData("https://k8s.example.com", false)]
    public void IsLoopback_ServerAddresses_LoopbackOnesAreForwardedIntoTheSandbox(string server, bool loopback)
    {
        Assert.Equal(loopback, LocalCluster.IsLoopback(new Uri(server)));
    }
}
