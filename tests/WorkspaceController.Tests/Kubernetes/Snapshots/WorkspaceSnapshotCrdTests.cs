using System.Text.Json.Nodes;
using k8s;
using Workspaces.FakeKubernetes;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Snapshots;

namespace Workspaces.WorkspaceController.Tests.Kubernetes.Snapshots;

public sealed class WorkspaceSnapshotCrdTests
{
    private static readonly JsonNode Crd = Yaml.Load(File.ReadAllText(RepositoryRoot.Combine("deploy", "helm", "workspaces", "crds", "workspacesnapshots.yaml")))!;
    private static readonly SchemaValidator Schema = SchemaValidator.FromCrd(Crd);
    private static readonly string Example = File.ReadAllText(RepositoryRoot.Combine("deploy", "helm", "workspaces", "examples", "workspacesnapshot.yaml"));

    [Fact]
    public void Model_ChartExample_IsAcceptedAndRoundTripsWithoutLosingFields()
    {
        var model = KubernetesYaml.Deserialize<WorkspaceSnapshotResource>(Example);
        var back = JsonNode.Parse(KubernetesJson.Serialize(model))!;

        Assert.Empty(Schema.Validate(Yaml.Load(Example)));
        Assert.Empty(Schema.Validate(back));
        Assert.Equal("prebuild-3f2a1c", model.Spec.Workspace);
        Assert.Equal(10L << 30, model.Status!.RestoreSizeBytes);
        Assert.True(model.Status.ReadyToUse);
    }

    [Theory]
    [InlineData("Prebuild_1", "must match")]
    [InlineData("prebuild.3f2a1c", "must match")]
    [InlineData("prebuild-name-longer-than-sixty-three-characters-is-no-dns-label-at-all", "at most 63")]
    public void Schema_NameThatIsNoDnsLabel_IsRejected(string name, string expected)
    {
        var example = Yaml.Load(Example)!;
        example["metadata"]!["name"] = name;

        Assert.Contains(Schema.Validate(example), e => e.Contains(expected, StringComparison.Ordinal) && e.Contains("metadata.name", StringComparison.Ordinal));
    }

    [Fact]
    public void Crd_Always_IsNamespacedInTheWorkspacesGroupWithAStatusSubresourceAndAnImmutableSpec()
    {
        Assert.Equal("Namespaced", (string?)Crd["spec"]!["scope"]);
        Assert.Equal(WorkspaceResource.ApiGroup, (string?)Crd["spec"]!["group"]);
        Assert.Equal(WorkspaceSnapshotResource.Plural, (string?)Crd["spec"]!["names"]!["plural"]);
        Assert.Equal(WorkspaceSnapshotResource.KindName, (string?)Crd["spec"]!["names"]!["kind"]);
        var version = Crd["spec"]!["versions"]!.AsArray().Single()!;
        Assert.Equal(WorkspaceResource.ApiVersionName, (string?)version["name"]);
        Assert.NotNull(version["subresources"]!["status"]);
        var rules = version["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["x-kubernetes-validations"]!.AsArray().Select(r => (string?)r!["rule"]);
        Assert.Contains("self == oldSelf", rules);
    }
}
