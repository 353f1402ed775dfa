using System.Text.Json.Nodes;
using k8s;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.FakeKubernetes;

namespace Workspaces.WorkspaceController.Tests.Kubernetes;

public sealed class WorkspaceCrdTests
{
    private static readonly JsonNode Crd = Yaml.Load(File.ReadAllText(RepositoryRoot.Combine("deploy", "helm", "workspaces", "crds", "workspaces.yaml")))!;
    private static readonly SchemaValidator Schema = SchemaValidator.FromCrd(Crd);

    [Theory]
    [InlineData("workspace.yaml")]
    [InlineData("workspace-full.yaml")]
    public void Schema_ChartExamples_AreAccepted(string file)
    {
        var example = Yaml.Load(File.ReadAllText(RepositoryRoot.Combine("deploy", "helm", "workspaces", "examples", file)));

        Assert.Empty(Schema.Validate(example));
    }

    [Theory]
    [InlineData("app.v2", "must match")]
    [InlineData("7zip-k3x9q2mz", "must match")]
    [InlineData("Upper", "must match")]
    [InlineData("name-longer-than-sixty-characters-so-ws-prefix-breaks-the-label", "at most 60")]
    public void Schema_NameThatCannotPrefixAChildName_IsRejected(string name, string expected)
    {
        var example = Yaml.Load(File.ReadAllText(RepositoryRoot.Combine("deploy", "helm", "workspaces", "examples", "workspace.yaml")))!;
        example["metadata"]!["name"] = name;

        var errors = Schema.Validate(example);

        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal) && e.Contains("metadata.name", StringComparison.Ordinal));
    }

    [Fact]
    public void Schema_LongestNameAndLimits_MatchTheControllersConstants()
    {
        var properties = Crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!;

        Assert.Equal(WorkspaceSpec.MaxNameLength, (long)properties["metadata"]!["properties"]!["name"]!["maxLength"]!);
        Assert.Equal(63, ControllerOptions.ChildName(new string('a', WorkspaceSpec.MaxNameLength)).Length);
        Assert.Equal(WorkspaceSpec.MaxSealedCredentialsLength, (long)properties["spec"]!["properties"]!["sealedCredentials"]!["maxLength"]!);
    }

    [Theory]
    [InlineData("spec.desiredState", "\"Paused\"", "Unsupported value")]
    [InlineData("spec.repository.checkoutDirectory", "\"../etc\"", "must match")]
    [InlineData("spec.timeouts", "{\"startSeconds\": 5}", "at least 30")]
    [InlineData("spec.env", "[{\"name\": \"1BAD\", \"value\": \"x\"}]", "must match")]
    [InlineData("spec.workspaceClass", "\"Large!\"", "must match")]
    [InlineData("spec.owner", "\"\"", "at least 1")]
    [InlineData("spec.retention", "{\"keepVolumeOnDelete\": \"yes\"}", "must be a boolean")]
    [InlineData("spec.imagePullSecret", "\"x\"", "unknown field")]
    [InlineData("spec.editor", "{\"softLimitBytes\": 0, \"hardLimitBytes\": 10}", "at least 1")]
    public void Schema_BadSpec_IsRejected(string path, string json, string expected)
    {
        var example = Yaml.Load(File.ReadAllText(RepositoryRoot.Combine("deploy", "helm", "workspaces", "examples", "workspace.yaml")))!;
        var parts = path.Split('.');
        var parent = parts[..^1].Aggregate(example, (node, key) => node[key]!);
        parent[parts[^1]] = JsonNode.Parse(json);

        var errors = Schema.Validate(example);

        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Schema_MissingRepository_IsRejected()
    {
        var example = Yaml.Load(File.ReadAllText(RepositoryRoot.Combine("deploy", "helm", "workspaces", "examples", "workspace.yaml")))!;
        example["spec"]!.AsObject().Remove("repository");

        Assert.Contains(".spec.repository: Required value", Schema.Validate(example));
    }

    [Fact]
    public void Model_FullExample_RoundTripsWithoutLosingFields()
    {
        var text = File.ReadAllText(RepositoryRoot.Combine("deploy", "helm", "workspaces", "examples", "workspace-full.yaml"));
        var original = Yaml.Load(text)!;

        var model = KubernetesYaml.Deserialize<WorkspaceResource>(text);
        var back = JsonNode.Parse(KubernetesJson.Serialize(model))!;

        Assert.Empty(Schema.Validate(back));
        Assert.Equal((string?)original["spec"]!["repository"]!["ref"], model.Spec.Repository.Ref);
        Assert.Equal(600, model.Spec.Timeouts!.StartSeconds);
        Assert.True(model.Spec.Retention!.KeepVolumeOnDelete);
        Assert.Equal(3000, model.Status!.Ports![0].Port);
        Assert.True(model.Status.Git!.Dirty);
        Assert.Equal("Ready", model.Status.Conditions![0].Type);
    }

    [Fact]
    public void Crd_Always_IsNamespacedWithAStatusSubresource()
    {
        Assert.Equal("Namespaced", (string?)Crd["spec"]!["scope"]);
        Assert.Equal(WorkspaceResource.ApiGroup, (string?)Crd["spec"]!["group"]);
        Assert.Equal(WorkspaceResource.Plural, (string?)Crd["spec"]!["names"]!["plural"]);
        var version = Crd["spec"]!["versions"]!.AsArray().Single()!;
        Assert.Equal(WorkspaceResource.ApiVersionName, (string?)version["name"]);
        Assert.NotNull(version["subresources"]!["status"]);
    }
}
