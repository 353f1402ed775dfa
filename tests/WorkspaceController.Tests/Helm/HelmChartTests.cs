using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Resources;
using Workspaces.FakeKubernetes;

namespace Workspaces.WorkspaceController.Tests.Helm;

public sealed class HelmChartTests
{
    public static TheoryData<string> ValueSets => new() { "default", "production" };

    [Theory]
    [MemberData(nameof(ValueSets))]
    public void Lint_ValueSet_Passes(string values)
    {
        var (code, output) = HelmChart.Run(["lint", HelmChart.ChartDirectory, "--strict", .. Args(values)]);

        Assert.True(code == 0, output);
        Assert.Contains("0 chart(s) failed", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public void Template_ValueSet_EveryContainerHasResourcesAndALockedDownSecurityContext(string values)
    {
        var docs = HelmChart.Template(Args(values));

        var containers = HelmChart.Containers(docs).ToList();
        Assert.NotEmpty(containers);
        foreach (var (workload, podSpec, container) in containers)
        {
            var what = $"{workload} container {container["name"]}";
            Assert.True(container["resources"]?["requests"]?["cpu"] is not null && container["resources"]?["requests"]?["memory"] is not null, $"{what}: no requests");
            Assert.True(container["resources"]?["limits"]?["memory"] is not null, $"{what}: no memory limit");
            var security = container["securityContext"];
            Assert.True(security is not null, $"{what}: no securityContext");
            Assert.Equal(false, (bool?)security!["allowPrivilegeEscalation"]);
            Assert.Equal(true, (bool?)security["runAsNonRoot"]);
            Assert.Equal("RuntimeDefault", (string?)(security["seccompProfile"]?["type"] ?? podSpec["securityContext"]?["seccompProfile"]?["type"]));
            Assert.Contains("ALL", security["capabilities"]!["drop"]!.AsArray().Select(x => (string?)x));
        }
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public void Template_ValueSet_RbacIsLeastPrivilege(string values)
    {
        var docs = HelmChart.Template(Args(values));

        Assert.DoesNotContain(docs, d => (string?)d["kind"] is "ClusterRole" or "ClusterRoleBinding");
        var roles = docs.Where(d => (string?)d["kind"] == "Role").ToList();
        foreach (var rule in roles.SelectMany(r => r["rules"]!.AsArray()))
        {
            Assert.DoesNotContain("*", Strings(rule!["verbs"]));
            Assert.DoesNotContain("*", Strings(rule["resources"]));
            Assert.DoesNotContain("*", Strings(rule["apiGroups"]));
        }

        var web = HelmChart.Find(docs, "Role", "-web");
        Assert.All(web["rules"]!.AsArray(), r => Assert.Equal(["workspaces.dev"], Strings(r!["apiGroups"])));
        Assert.Equal(["workspaces", "workspaces/status"], web["rules"]!.AsArray().SelectMany(r => Strings(r!["resources"])).Order());
        // Status: read, and patch for the agent's ports and Git state; never replace the controller's part.
        Assert.Equal(["get", "patch"], web["rules"]!.AsArray().Where(r => Strings(r!["resources"]).Contains("workspaces/status")).SelectMany(r => Strings(r!["verbs"])).Order());

        var controller = HelmChart.Find(docs, "Role", "-controller");
        var secretRules = controller["rules"]!.AsArray().Where(r => Strings(r!["resources"]).Contains("secrets")).ToList();
        var secretVerbs = secretRules.SelectMany(r => Strings(r!["verbs"])).ToList();
        Assert.DoesNotContain("list", secretVerbs);
        Assert.DoesNotContain("watch", secretVerbs);

        var leaseRules = controller["rules"]!.AsArray().Where(r => Strings(r!["resources"]).Contains("leases")).ToList();
        Assert.All(leaseRules.Where(r => Strings(r!["verbs"]).Contains("update")), r => Assert.Equal(["rel-workspaces-controller"], Strings(r!["resourceNames"])));

        // The migration job gets no service-account token.
        Assert.Equal(false, (bool?)HelmChart.Find(docs, "Job", "-migrate-1")["spec"]!["template"]!["spec"]!["automountServiceAccountToken"]);
    }

    [Fact]
    public void Template_Default_WebIsHighlyAvailableWithProbesAndAPdb()
    {
        var docs = HelmChart.Template();

        var web = HelmChart.Find(docs, "Deployment", "-web");
        Assert.True((long)web["spec"]!["replicas"]! >= 2);
        var container = web["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("/health", (string?)container["readinessProbe"]!["httpGet"]!["path"]);
        Assert.Equal("/alive", (string?)container["livenessProbe"]!["httpGet"]!["path"]);
        Assert.Contains(container["env"]!.AsArray(), e => (string?)e!["name"] == "Workspaces__Runtime__Kind" && (string?)e["value"] == "Kubernetes");
        Assert.Contains(container["env"]!.AsArray(), e => (string?)e!["name"] == "Workspaces__Previews__IdeUrl" && (string?)e["value"] == "https://ide.example.com");
        Assert.Contains(container["env"]!.AsArray(), e => (string?)e!["name"] == "Workspaces__Previews__Domain" && (string?)e["value"] == "preview.example-usercontent.com");
        Assert.Equal(1L, (long)HelmChart.Find(docs, "PodDisruptionBudget", "-web")["spec"]!["maxUnavailable"]!);
    }

    [Fact]
    public void Template_Nginx_StickyCookieOnTheIngressAndNoClientIpAffinity()
    {
        var docs = HelmChart.Template("--set", "ingress.className=nginx");

        var ingress = HelmChart.Find(docs, "Ingress", "rel-workspaces")["metadata"]!["annotations"]!;
        var service = HelmChart.Find(docs, "Service", "-web");
        Assert.Equal("cookie", (string?)ingress["nginx.ingress.kubernetes.io/affinity"]);
        Assert.Equal("persistent", (string?)ingress["nginx.ingress.kubernetes.io/affinity-mode"]);
        // Behind an ingress every connection comes from the controller's pods: ClientIP affinity pins nothing per browser.
        Assert.Null(service["spec"]!["sessionAffinity"]);
        Assert.Null(service["metadata"]!["annotations"]?["traefik.ingress.kubernetes.io/service.sticky.cookie"]);
    }

    [Fact]
    public void Template_Traefik_StickyCookieOnTheServiceWhereTraefikReadsIt()
    {
        var docs = HelmChart.Template("--set", "ingress.className=traefik", "--set", "web.service.annotations.example\\.com/team=ide");

        var ingress = HelmChart.Find(docs, "Ingress", "rel-workspaces")["metadata"]!["annotations"];
        var service = HelmChart.Find(docs, "Service", "-web")["metadata"]!["annotations"]!;
        Assert.Equal("true", (string?)service["traefik.ingress.kubernetes.io/service.sticky.cookie"]);
        Assert.Equal("workspaces-affinity", (string?)service["traefik.ingress.kubernetes.io/service.sticky.cookie.name"]);
        Assert.Equal("true", (string?)service["traefik.ingress.kubernetes.io/service.sticky.cookie.secure"]);
        Assert.Equal("ide", (string?)service["example.com/team"]);
        Assert.DoesNotContain(ingress?.AsObject().Select(a => a.Key) ?? [], k => k.Contains("sticky", StringComparison.Ordinal) || k.StartsWith("nginx.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ingress.className=nginx")]
    [InlineData("ingress.className=traefik")]
    public void Lint_BothIngressControllers_PassesStrict(string setting)
    {
        var (code, output) = HelmChart.Run("lint", HelmChart.ChartDirectory, "--strict", "--set", setting);

        Assert.True(code == 0, output);
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public void Template_ValueSet_EveryClassRequestsEphemeralStorageBelowItsLimit(string values)
    {
        var docs = HelmChart.Template(Args(values));
        var config = JsonNode.Parse((string)HelmChart.Find(docs, "ConfigMap", "-controller")["data"]!["controller.json"]!)!;

        foreach (var (name, workspaceClass) in config["Workspaces"]!["Controller"]!["Classes"]!.AsObject())
        {
            var request = new k8s.Models.ResourceQuantity((string?)workspaceClass!["EphemeralStorageRequest"]).ToDecimal();
            var limit = new k8s.Models.ResourceQuantity((string?)workspaceClass["EphemeralStorageLimit"]).ToDecimal();
            Assert.True(request > 0 && request < limit, $"class {name}: ephemeral-storage request {request} must be set and below the limit {limit}");
        }
    }

    [Fact]
    public void Template_GitOpsWithExistingSecrets_GeneratesNoSecretAndUsesThem()
    {
        var docs = HelmChart.Template("--set", "credentialKey.existingSecret=ck", "--set", "postgresql.existingSecret=pg");

        Assert.DoesNotContain(docs, d => (string?)d["kind"] == "Secret");
        var web = HelmChart.Containers(docs).Single(c => c.Workload.EndsWith("-web", StringComparison.Ordinal) && (string?)c.Container["name"] == "web").Container;
        var secretRefs = web["env"]!.AsArray().Select(e => (string?)e!["valueFrom"]?["secretKeyRef"]?["name"]).OfType<string>().ToList();
        Assert.Equal(["ck", "pg"], secretRefs.Order());
        var postgres = HelmChart.Containers(docs).Single(c => (string?)c.Container["name"] == "postgresql").Container;
        Assert.Equal("pg", (string?)postgres["env"]!.AsArray().Single(e => (string?)e!["name"] == "POSTGRES_PASSWORD")!["valueFrom"]!["secretKeyRef"]!["name"]);
    }

    [Fact]
    public void Template_Default_UninstallHookDeletesWorkspacesWithItsOwnNarrowRole()
    {
        var docs = HelmChart.Template();

        var job = HelmChart.Find(docs, "Job", "-uninstall");
        Assert.Equal("pre-delete", (string?)job["metadata"]!["annotations"]!["helm.sh/hook"]);
        var container = job["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("--cleanup", (string?)container["args"]![0]);
        var rbac = FakeRbac.FromManifests(docs, "workspaces");
        var hook = FakeRbac.ServiceAccountToken("workspaces", "rel-workspaces-uninstall");
        Assert.True(rbac.Allows(hook, "delete", "workspaces.dev", "workspaces", "workspaces", "any"));
        Assert.True(rbac.Allows(hook, "list", "workspaces.dev", "workspaces", "workspaces", null));
        Assert.False(rbac.Allows(hook, "get", "", "secrets", "workspaces", "any"));
        Assert.DoesNotContain(HelmChart.Template("--set", "uninstall.deleteWorkspaces=false"), d => (string?)d["kind"] == "Job" && ((string)d["metadata"]!["name"]!).EndsWith("-uninstall", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public void Template_ValueSet_BlockedCidrsCoverEveryPrivateNodeAndMetadataNetwork(string values)
    {
        var docs = HelmChart.Template(Args(values));
        var config = JsonNode.Parse((string)HelmChart.Find(docs, "ConfigMap", "-controller")["data"]!["controller.json"]!)!["Workspaces"]!["Controller"]!;
        var blocked = config["BlockedCidrs"]!.AsArray().Select(c => System.Net.IPNetwork.Parse((string)c!)).ToList();

        // A node, a VPC database, the cloud metadata service, a CGNAT pod network, an IPv6 ULA: none reachable.
        foreach (var address in new[] { "10.0.0.5", "10.200.3.4", "172.20.1.1", "192.168.1.10", "100.64.0.10", "100.127.255.1", "169.254.169.254", "fd12:3456::1" })
        {
            Assert.True(blocked.Any(b => b.Contains(System.Net.IPAddress.Parse(address))), $"{values}: {address} is reachable from workspaces");
        }

        Assert.Equal("kube-system", (string?)config["Dns"]!["Namespace"]);
        Assert.Equal("kube-dns", (string?)config["Dns"]!["PodLabels"]!["k8s-app"]);
    }

    [Fact]
    public void Template_Production_IngressServesBothHostsWithCertManagerTls()
    {
        var docs = HelmChart.Template(Args("production"));

        var ingress = HelmChart.Find(docs, "Ingress", "rel-workspaces");
        Assert.Equal("traefik", (string?)ingress["spec"]!["ingressClassName"]);
        Assert.Equal(["*.acme-previews.example", "ide.acme.example"], ingress["spec"]!["rules"]!.AsArray().Select(r => (string)r!["host"]!).Order());
        Assert.Equal(["ide.acme.example", "*.acme-previews.example"], Strings(ingress["spec"]!["tls"]![0]!["hosts"]));
        Assert.Equal("letsencrypt-dns", (string?)ingress["metadata"]!["annotations"]!["cert-manager.io/cluster-issuer"]);
        Assert.Null(ingress["metadata"]!["annotations"]!["nginx.ingress.kubernetes.io/affinity"]);
        Assert.DoesNotContain(docs, d => (string?)d["kind"] == "StatefulSet");
    }

    [Theory]
    [InlineData("default", "post-install,pre-upgrade")]
    [InlineData("production", "pre-install,pre-upgrade")]
    public void Template_ValueSet_MigrationsRunAsAHookJob(string values, string hook)
    {
        var docs = HelmChart.Template(Args(values));

        var job = HelmChart.Find(docs, "Job", "-migrate-1");
        Assert.Equal(hook, (string?)job["metadata"]!["annotations"]!["helm.sh/hook"]);
        Assert.Equal(["--migrate-only"], Strings(job["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]));
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public void Template_ValueSet_ControllerConfigPassesTheControllersValidation(string values)
    {
        var docs = HelmChart.Template(Args(values));
        var json = (string)HelmChart.Find(docs, "ConfigMap", "-controller")["data"]!["controller.json"]!;

        var configuration = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Workspaces:Controller:Namespace"] = "workspaces", ["Workspaces:Controller:CredentialKey"] = SealedCredentials.NewKey() })
            .Build();
        var options = configuration.GetSection(ControllerOptions.SectionName).Get<ControllerOptions>()!;

        var result = new ControllerOptionsValidator().Validate(null, options);
        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal("true", options.WebPodLabels["workspaces.dev/agent-client"]);
        Assert.Equal("rel", options.WebPodLabels["app.kubernetes.io/instance"]);
    }

    [Fact]
    public void Template_Default_CrdAcceptsTheExamplesAndRejectsABadOne()
    {
        var docs = HelmChart.Template();
        var crd = HelmChart.Find(docs, "CustomResourceDefinition", "workspaces.workspaces.dev");
        var schema = SchemaValidator.FromCrd(crd);
        var example = Yaml.Load(File.ReadAllText(Path.Combine(HelmChart.ChartDirectory, "examples", "workspace.yaml")))!;

        Assert.Empty(schema.Validate(example));
        example["spec"]!["desiredState"] = "Hibernating";
        Assert.NotEmpty(schema.Validate(example));
    }

    [Fact]
    public void Template_NoDatabase_FailsWithAnActionableMessage()
    {
        var (code, output) = HelmChart.Run("template", "rel", HelmChart.ChartDirectory, "--set", "postgresql.enabled=false");

        Assert.NotEqual(0, code);
        Assert.Contains("database.existingSecret", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("web.replicas=0", "/web/replicas")]
    [InlineData("global.imagePullPolicy=Sometimes", "/global/imagePullPolicy")]
    [InlineData("web.replicaz=3", "replicaz")]
    [InlineData("workspaces.agentPort=80", "/workspaces/agentPort")]
    [InlineData("controller.startTimeout=10m", "/controller/startTimeout")]
    public void Template_BadValue_IsRejectedByTheValuesSchema(string setting, string expected)
    {
        var (code, output) = HelmChart.Run("template", "rel", HelmChart.ChartDirectory, "--set", setting);

        Assert.NotEqual(0, code);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    private static string[] Args(string values) => values == "production" ? ["-f", HelmChart.ProductionValues] : [];

    private static List<string> Strings(JsonNode? array) => [.. array?.AsArray().Select(x => (string)x!) ?? []];
}
