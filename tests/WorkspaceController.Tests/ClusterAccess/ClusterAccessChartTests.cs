using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Resources;
using Workspaces.WorkspaceController.Tests.Helm;

namespace Workspaces.WorkspaceController.Tests.ClusterAccess;

/// <summary>The chart with <c>clusterAccess.enabled</c>: the controller's cluster-wide rights stay the minimum, the web app's do not change.</summary>
public sealed class ClusterAccessChartTests
{
    private static readonly string[] Enabled = ["--set", "clusterAccess.enabled=true", "--set", "clusterAccess.apiServerCidrs[0]=172.18.0.2/32"];

    [Fact]
    public void Template_ClusterAccess_ControllerGetsOnlyNamespacesBindingsNamedBindRightsAndServiceReadsClusterWide()
    {
        var docs = HelmChart.Template(Enabled);

        var clusterRole = HelmChart.Find(docs, "ClusterRole", "-controller-dev-namespaces");
        var rules = clusterRole["rules"]!.AsArray().Select(r => (Resources: Strings(r!["resources"]), Verbs: Strings(r["verbs"]), Names: Strings(r["resourceNames"]))).ToList();
        Assert.Equal(["clusterroles", "namespaces", "rolebindings", "services"], rules.SelectMany(r => r.Resources).Order());
        Assert.Equal(["list", "watch"], rules.Single(r => r.Resources.Contains("services")).Verbs.Order());
        Assert.Equal(["create", "delete", "get"], rules.Single(r => r.Resources.Contains("namespaces")).Verbs.Order());
        Assert.Equal(["create"], rules.Single(r => r.Resources.Contains("rolebindings")).Verbs);
        var bind = rules.Single(r => r.Resources.Contains("clusterroles"));
        Assert.Equal(["bind"], bind.Verbs);
        Assert.Equal(["rel-workspaces-dev-ceiling", "rel-workspaces-dev-operator"], bind.Names.Order());
        Assert.DoesNotContain(docs.Where(d => (string?)d["kind"] == "ClusterRole").SelectMany(d => d["rules"]!.AsArray()), r => Strings(r!["verbs"]).Contains("*") || Strings(r["resources"]).Contains("*"));

        var policy = HelmChart.Find(docs, "ValidatingAdmissionPolicy", "-dev-namespaces");
        Assert.Contains("system:serviceaccount:workspaces:rel-workspaces-controller", policy["spec"]!["matchConditions"]![0]!["expression"]!.ToString(), StringComparison.Ordinal);
        Assert.All(policy["spec"]!["validations"]!.AsArray(), v => Assert.Contains("workspaces.dev/dev-namespace", v!["expression"]!.ToString(), StringComparison.Ordinal));
        Assert.Equal("Deny", (string?)HelmChart.Find(docs, "ValidatingAdmissionPolicyBinding", "-dev-namespaces")["spec"]!["validationActions"]![0]);
    }

    [Fact]
    public void Template_ClusterAccess_OperatorRoleMayReadPatchAndScaleDeploymentsOnly()
    {
        var docs = HelmChart.Template(Enabled);

        var apps = HelmChart.Find(docs, "ClusterRole", "-dev-operator")["rules"]!.AsArray().Where(r => Strings(r!["apiGroups"]).Contains("apps"))
            .Select(r => $"{string.Join(",", Strings(r!["resources"]))}: {string.Join(",", Strings(r["verbs"]))}");
        Assert.Equal(["deployments/scale: update", "deployments: get,list,patch"], apps.Order(StringComparer.Ordinal));
        var admission = HelmChart.Find(docs, "ValidatingAdmissionPolicy", "-dev-namespaces")["spec"]!["matchConstraints"]!["resourceRules"]!.AsArray();
        Assert.Contains(admission, r => Strings(r!["apiGroups"]).Contains("apps") && Strings(r["resources"]).Contains("deployments/scale"));
    }

    [Fact]
    public void Template_ClusterAccess_WebRbacIsUnchanged()
    {
        var plain = HelmChart.Template();
        var docs = HelmChart.Template(Enabled);

        Assert.Equal(HelmChart.Find(plain, "Role", "-web")["rules"]!.ToJsonString(), HelmChart.Find(docs, "Role", "-web")["rules"]!.ToJsonString());
        Assert.Equal(WebBindings(plain), WebBindings(docs));
    }

    private static List<string> WebBindings(List<JsonObject> docs) =>
        [.. docs.Where(d => (string?)d["kind"] is "ClusterRoleBinding" or "RoleBinding" && d["subjects"]!.AsArray().Any(s => (string?)s!["name"] == "rel-workspaces-web"))
            .Select(d => $"{d["kind"]}/{d["metadata"]!["name"]}->{d["roleRef"]!["name"]}")];

    [Fact]
    public void Template_Default_HasNoClusterAccessObjects()
    {
        var docs = HelmChart.Template();

        Assert.DoesNotContain(docs, d => (string?)d["kind"] is "ClusterRole" or "ClusterRoleBinding" or "ValidatingAdmissionPolicy");
        Assert.DoesNotContain("ClusterAccess", (string)HelmChart.Find(docs, "ConfigMap", "-controller")["data"]!["controller.json"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_ClusterAccess_ControllerConfigPassesTheControllersValidation()
    {
        var docs = HelmChart.Template([.. Enabled, "--set-json", "clusterAccess.devNamespaceClasses={\"standard\":{\"quota\":{\"pods\":\"5\"}}}"]);
        var json = (string)HelmChart.Find(docs, "ConfigMap", "-controller")["data"]!["controller.json"]!;
        var ca = Path.GetTempFileName();
        var options = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)))
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Workspaces:Controller:Namespace"] = "workspaces",
                ["Workspaces:Controller:CredentialKey"] = SealedCredentials.NewKey(),
                // In the pod it is the service-account mount; here a stand-in.
                ["Workspaces:Controller:ClusterAccess:CaFile"] = ca,
            })
            .Build().GetSection(ControllerOptions.SectionName).Get<ControllerOptions>()!;

        var result = new ControllerOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.True(options.ClusterAccess.Enabled);
        Assert.Equal("rel-workspaces-dev-ceiling", options.ClusterAccess.CeilingClusterRole);
        Assert.Equal("rel-workspaces-controller", options.ClusterAccess.ControllerServiceAccount);
        Assert.Equal("5", options.ClassFor("standard").DevNamespace.Quota["pods"]);
        var web = JsonNode.Parse((string)HelmChart.Find(docs, "ConfigMap", "-web-cluster-access")["data"]!["cluster-access.json"]!)!;
        Assert.Equal(options.ClusterAccess.Ceiling.Count, web["Workspaces"]!["ClusterAccess"]!["Ceiling"]!.AsArray().Count);
        File.Delete(ca);
    }

    [Fact]
    public void Template_ClusterAccess_DevNamespacePolicyAdmitsTheWebAndPreviewProxyPodsAndTheyKnowTheClusterDomain()
    {
        var docs = HelmChart.Template([.. Enabled, "--set", "previewProxy.enabled=true", "--set", "workspaces.clusterDomain=cluster.example"]);
        var json = (string)HelmChart.Find(docs, "ConfigMap", "-controller")["data"]!["controller.json"]!;
        var options = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Workspaces:Controller:Namespace"] = "workspaces" })
            .Build().GetSection(ControllerOptions.SectionName).Get<ControllerOptions>()!;
        var workspace = new WorkspaceResource { Metadata = new k8s.Models.V1ObjectMeta { Name = "app", NamespaceProperty = "workspaces", Uid = "u" } };
        workspace.Spec.ClusterAccess = new WorkspaceClusterAccess { Namespace = "dev-app" };

        var ingress = global::Workspaces.WorkspaceController.ClusterAccess.ClusterAccessBuilder.Policy(workspace, options).Spec.Ingress.Single().FromProperty;

        foreach (var suffix in new[] { "-web", "-preview-proxy" })
        {
            var deployment = HelmChart.Find(docs, "Deployment", suffix);
            var labels = deployment["spec"]!["template"]!["metadata"]!["labels"]!.AsObject().ToDictionary(l => l.Key, l => (string)l.Value!);
            Assert.Contains(ingress, peer => peer.PodSelector?.MatchLabels is { Count: > 0 } wanted
                && wanted.All(l => labels.TryGetValue(l.Key, out var v) && v == l.Value)
                && peer.NamespaceSelector?.MatchLabels?["kubernetes.io/metadata.name"] == "workspaces");
            var env = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
            Assert.Equal("cluster.example", (string?)env.Single(e => (string?)e!["name"] == "Workspaces__Previews__ClusterDomain")!["value"]);
        }
    }

    private static List<string> Strings(JsonNode? node) => [.. node?.AsArray().Select(x => (string)x!) ?? []];
}
