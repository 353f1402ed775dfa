using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceController.ClusterAccess;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Tests.Controller;

namespace Workspaces.WorkspaceController.Tests.ClusterAccess;

/// <summary>
/// The controller with cluster access on, acting with the RBAC the chart renders (clusterAccess.enabled=true) against the
/// fake API server, which enforces it, RBAC's escalation check and token expiry and binding.
/// </summary>
public sealed class ClusterAccessControllerTests
{
    private const string Ns = ControllerHarness.Namespace;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly Lazy<string> CaFile = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"workspaces-test-ca-{Environment.ProcessId}.crt");
        File.WriteAllText(path, "-----BEGIN CERTIFICATE-----\nZmFrZSBjbHVzdGVyIENB\n-----END CERTIFICATE-----\n");
        return path;
    });

    public static Dictionary<string, string?> Settings() => new()
    {
        ["Workspaces:Controller:ClusterAccess:Enabled"] = "true",
        ["Workspaces:Controller:ClusterAccess:ApiServerCidrs:0"] = "172.18.0.2/32",
        ["Workspaces:Controller:ClusterAccess:CaFile"] = CaFile.Value,
        ["Workspaces:Controller:ClusterAccess:CeilingClusterRole"] = "rel-workspaces-dev-ceiling",
        ["Workspaces:Controller:ClusterAccess:OperatorClusterRole"] = "rel-workspaces-dev-operator",
        ["Workspaces:Controller:ClusterAccess:ControllerServiceAccount"] = "rel-workspaces-controller",
        ["Workspaces:Controller:ClusterAccess:StuckAfter"] = "00:00:10",
    };

    private static async Task<ControllerHarness> StartAsync(TimeProvider? time = null)
    {
        var h = await ControllerHarness.StartAsync(startController: false, clusterAccessChart: true);
        if (time is not null)
        {
            h.Server.TokenClock = time;
        }

        await h.StartControllerAsync(timeProvider: time, settings: Settings());
        return h;
    }

    private static WorkspaceResource WithAccess(string name)
    {
        var workspace = ControllerHarness.NewWorkspace(name);
        workspace.Spec.ClusterAccess = new WorkspaceClusterAccess { Namespace = $"dev-{name}" };
        return workspace;
    }

    private static string Token(ControllerHarness h, string name) =>
        Encoding.UTF8.GetString(Convert.FromBase64String((string)h.Server.Get("/secrets", Ns, $"ws-{name}-kube")!["data"]!["token"]!));

    [Fact]
    public async Task Create_WorkspaceWithClusterAccess_GetsItsNamespaceObjectsAndAKubeconfig()
    {
        await using var h = await StartAsync();
        await h.CreateAsync(WithAccess("app-dev"));

        var ws = await h.WaitForPhaseAsync("app-dev", WorkspaceStatusPhase.Running, Timeout, w => w.Status?.ClusterAccess?.TokenExpiresAt is not null);

        Assert.Equal(ClusterAccessPhase.Ready, ws.Status!.ClusterAccess!.Phase);
        Assert.Contains("Role/workspace", ws.Status.ClusterAccess.Objects!);
        var ns = h.Server.Get("/namespaces", "", "dev-app-dev")!;
        Assert.Equal("true", (string?)ns["metadata"]!["labels"]![ClusterAccessBuilder.DevNamespaceLabel]);
        Assert.Equal(Ns, (string?)ns["metadata"]!["labels"]![ClusterAccessBuilder.WorkspaceNamespaceLabel]);
        foreach (var (resource, name) in new[] { ("/serviceaccounts", "workspace"), ("rbac.authorization.k8s.io/roles", "workspace"), ("rbac.authorization.k8s.io/rolebindings", "workspace"), ("/resourcequotas", "workspace-quota"), ("/limitranges", "workspace-defaults"), ("networking.k8s.io/networkpolicies", "workspace-isolation"), ("/secrets", "workspace-session") })
        {
            Assert.True(h.Server.Get(resource, "dev-app-dev", name) is not null, $"{resource}/{name} is missing");
        }

        var pod = h.Pod("app-dev")!;
        Assert.Equal("/var/run/workspaces/kube/config", (string?)pod["spec"]!["containers"]![0]!["env"]!.AsArray().Single(e => (string?)e!["name"] == "KUBECONFIG")!["value"]);
        var kubeconfig = Encoding.UTF8.GetString(Convert.FromBase64String((string)h.Server.Get("/secrets", Ns, "ws-app-dev-kube")!["data"]!["config"]!));
        Assert.Contains("namespace: dev-app-dev", kubeconfig, StringComparison.Ordinal);
        Assert.Contains("tokenFile: /var/run/workspaces/kube/token", kubeconfig, StringComparison.Ordinal);
        Assert.Contains("NamespaceCreated", h.EventReasons("app-dev"));
    }

    [Fact]
    public async Task Token_OfTheWorkspace_DeploysInItsNamespaceOnly()
    {
        await using var h = await StartAsync();
        await h.CreateAsync(WithAccess("app-rbac"));
        await h.WaitForPhaseAsync("app-rbac", WorkspaceStatusPhase.Running, Timeout, w => w.Status?.ClusterAccess?.TokenExpiresAt is not null);
        using var developer = h.Server.CreateClient(Token(h, "app-rbac"));

        var service = new V1Service { Metadata = new V1ObjectMeta { Name = "api" }, Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 8080 }] } };
        await developer.CoreV1.CreateNamespacedServiceAsync(service, "dev-app-rbac");

        Assert.NotNull(h.Server.Get("/services", "dev-app-rbac", "api"));
        var elsewhere = await Assert.ThrowsAsync<HttpOperationException>(() => developer.CoreV1.ListNamespacedSecretAsync(Ns));
        Assert.Equal(HttpStatusCode.Forbidden, elsewhere.Response.StatusCode);
        var widen = await Assert.ThrowsAsync<HttpOperationException>(() => developer.RbacAuthorizationV1.CreateNamespacedRoleAsync(
            new V1Role { Metadata = new V1ObjectMeta { Name = "more" }, Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["namespaces"], Verbs = ["create"] }] }, "dev-app-rbac"));
        Assert.Equal(HttpStatusCode.Forbidden, widen.Response.StatusCode);
    }

    [Fact]
    public async Task Token_HalfItsLifeGone_IsRenewedInTheMountedSecret()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await StartAsync(time);
        await h.CreateAsync(WithAccess("app-renew"));
        var first = await h.WaitForPhaseAsync("app-renew", WorkspaceStatusPhase.Running, Timeout, w => w.Status?.ClusterAccess?.TokenExpiresAt is not null);
        var firstToken = Token(h, "app-renew");
        // The status holds whole seconds.
        Assert.InRange(first.Status!.ClusterAccess!.TokenExpiresAt!.Value, time.GetUtcNow().AddMinutes(10).AddSeconds(-1), time.GetUtcNow().AddMinutes(10));

        time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        var renewed = await h.WaitForPhaseAsync("app-renew", WorkspaceStatusPhase.Running, Timeout, w => w.Status?.ClusterAccess?.TokenExpiresAt > first.Status.ClusterAccess.TokenExpiresAt);
        Assert.NotEqual(firstToken, Token(h, "app-renew"));
        Assert.InRange(renewed.Status!.ClusterAccess!.TokenExpiresAt!.Value, time.GetUtcNow().AddMinutes(10).AddSeconds(-1), time.GetUtcNow().AddMinutes(10));
        time.Advance(TimeSpan.FromMinutes(5));
        using var stale = h.Server.CreateClient(firstToken);
        var expired = await Assert.ThrowsAsync<HttpOperationException>(() => stale.CoreV1.ListNamespacedServiceAsync("dev-app-renew"));
        Assert.Equal(HttpStatusCode.Unauthorized, expired.Response.StatusCode);
    }

    [Fact]
    public async Task Stop_WorkspaceWithClusterAccess_RevokesItsTokenAndKeepsTheNamespace()
    {
        await using var h = await StartAsync();
        await h.CreateAsync(WithAccess("app-stop"));
        await h.WaitForPhaseAsync("app-stop", WorkspaceStatusPhase.Running, Timeout, w => w.Status?.ClusterAccess?.TokenExpiresAt is not null);
        using var developer = h.Server.CreateClient(Token(h, "app-stop"));

        await h.UpdateSpecAsync("app-stop", s => s.DesiredState = DesiredState.Stopped);
        await h.WaitForPhaseAsync("app-stop", WorkspaceStatusPhase.Stopped, Timeout, w => w.Status?.ClusterAccess?.TokenExpiresAt is null);

        Assert.Null(h.Server.Get("/secrets", Ns, "ws-app-stop-kube"));
        Assert.NotNull(h.Server.Get("/namespaces", "", "dev-app-stop"));
        var revoked = await Assert.ThrowsAsync<HttpOperationException>(() => developer.CoreV1.ListNamespacedServiceAsync("dev-app-stop"));
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.Response.StatusCode);
    }

    [Fact]
    public async Task Delete_WorkspaceWithClusterAccess_DeletesItsNamespaceThenTheWorkspace()
    {
        await using var h = await StartAsync();
        await h.CreateAsync(WithAccess("app-gone"));
        await h.WaitForPhaseAsync("app-gone", WorkspaceStatusPhase.Running, Timeout, w => w.Status?.ClusterAccess?.TokenExpiresAt is not null);
        await h.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service { Metadata = new V1ObjectMeta { Name = "api" }, Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 80 }] } }, "dev-app-gone");

        await h.DeleteAsync("app-gone");

        await Poll.UntilAsync(async () => await h.GetAsync("app-gone") is null, Timeout, "the Workspace to be gone");
        Assert.Null(h.Server.Get("/namespaces", "", "dev-app-gone"));
        Assert.Empty(h.Server.List("/services", "dev-app-gone"));
        Assert.Null(h.Server.Get("/secrets", Ns, "ws-app-gone-kube"));
    }

    [Fact]
    public async Task Delete_NamespaceHeldBySomeonesFinalizer_IsReportedStuckAndFinishesWhenReleased()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await StartAsync(time);
        await h.CreateAsync(WithAccess("app-held"));
        await h.WaitForPhaseAsync("app-held", WorkspaceStatusPhase.Running, Timeout, w => w.Status?.ClusterAccess?.TokenExpiresAt is not null);
        h.Server.Mutate("/serviceaccounts", "dev-app-held", "workspace", o => o["metadata"]!["finalizers"] = new JsonArray("example.com/hold"));

        await h.DeleteAsync("app-held");
        await Poll.UntilAsync(async () => (await h.GetAsync("app-held"))?.Status?.ClusterAccess?.Phase == ClusterAccessPhase.Terminating, Timeout, "the namespace terminating");
        await Poll.UntilAsync(
            async () =>
            {
                time.Advance(TimeSpan.FromSeconds(3));
                return (await h.GetAsync("app-held"))?.Status?.ClusterAccess?.Phase == ClusterAccessPhase.Stuck;
            },
            Timeout,
            "the namespace reported stuck");

        var stuck = (await h.GetAsync("app-held"))!;
        Assert.Equal(WorkspaceStatusPhase.Deleting, stuck.Status!.Phase);
        Assert.Contains("example.com/hold", stuck.Status.ClusterAccess!.Message, StringComparison.Ordinal);
        Assert.Contains("NamespaceStuck", h.EventReasons("app-held"));

        h.Server.Mutate("/serviceaccounts", "dev-app-held", "workspace", o => ((JsonObject)o["metadata"]!).Remove("finalizers"));
        await Poll.UntilAsync(
            async () =>
            {
                time.Advance(TimeSpan.FromSeconds(10));
                return await h.GetAsync("app-held") is null;
            },
            Timeout,
            "the Workspace gone once the finalizer is released");
        Assert.Null(h.Server.Get("/namespaces", "", "dev-app-held"));
    }

    [Fact]
    public async Task Create_ClusterAccessToASystemNamespace_FailsAndCreatesNothing()
    {
        await using var h = await StartAsync();
        var workspace = ControllerHarness.NewWorkspace("app-sys");
        workspace.Spec.ClusterAccess = new WorkspaceClusterAccess { Namespace = "kube-system" };
        await h.CreateAsync(workspace);

        var ws = await h.WaitForPhaseAsync("app-sys", WorkspaceStatusPhase.Failed);

        Assert.Contains("reserved", ws.Status!.Message, StringComparison.Ordinal);
        Assert.Null(h.Pod("app-sys"));
        Assert.Empty(h.Server.List("/namespaces"));
        Assert.Empty(h.Server.List("rbac.authorization.k8s.io/rolebindings", "kube-system"));
    }

    [Fact]
    public async Task Create_RulesWiderThanTheCeiling_FailsAndCreatesNothing()
    {
        await using var h = await StartAsync();
        var workspace = WithAccess("app-wide");
        workspace.Spec.ClusterAccess!.Rules = [ClusterAccessRule.Of(["rbac.authorization.k8s.io"], ["clusterroles"], ["create"])];
        await h.CreateAsync(workspace);

        var ws = await h.WaitForPhaseAsync("app-wide", WorkspaceStatusPhase.Failed);

        Assert.Contains("wider than the administrator allows", ws.Status!.Message, StringComparison.Ordinal);
        Assert.Empty(h.Server.List("/namespaces"));
    }

    [Fact]
    public async Task Create_ClusterAccessOnAControllerWithoutIt_FailsSayingWhoCanTurnItOn()
    {
        await using var h = await ControllerHarness.StartAsync(clusterAccessChart: true);
        await h.CreateAsync(WithAccess("app-off"));

        var ws = await h.WaitForPhaseAsync("app-off", WorkspaceStatusPhase.Failed);

        Assert.Contains("not enabled on the controller", ws.Status!.Message, StringComparison.Ordinal);
        Assert.Empty(h.Server.List("/namespaces"));
    }

    [Fact]
    public async Task Create_WorkspaceWithoutClusterAccess_GetsNoNamespaceNoKubeconfigAndNoApiServerEgress()
    {
        await using var h = await StartAsync();
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-plain"));

        var ws = await h.WaitForPhaseAsync("app-plain", WorkspaceStatusPhase.Running);

        Assert.Null(ws.Status!.ClusterAccess);
        Assert.Empty(h.Server.List("/namespaces"));
        Assert.Null(h.Pod("app-plain")!["spec"]!["containers"]![0]!["env"]);
        Assert.Null(h.Server.Get("/secrets", Ns, "ws-app-plain-kube"));
        var policy = h.Server.Get("networking.k8s.io/networkpolicies", Ns, "ws-app-plain")!.ToJsonString();
        Assert.DoesNotContain("172.18.0.2/32", policy, StringComparison.Ordinal);
        Assert.Empty(h.Server.IssuedTokens);
    }

    [Fact]
    public async Task Quota_UsedUp_ShowsInTheWorkspacesEvents()
    {
        await using var h = await StartAsync();
        await h.CreateAsync(WithAccess("app-quota"));
        await h.WaitForPhaseAsync("app-quota", WorkspaceStatusPhase.Running, Timeout, w => w.Status?.ClusterAccess?.TokenExpiresAt is not null);

        h.Server.Mutate("/resourcequotas", "dev-app-quota", "workspace-quota", o => o["status"]!["used"] = new JsonObject { ["pods"] = "20" });

        await Poll.UntilAsync(() => Task.FromResult(h.EventReasons("app-quota").Contains("QuotaExhausted")), Timeout, "a QuotaExhausted event");
        var message = (string)h.Server.List("/events", Ns).First(e => (string?)e["reason"] == "QuotaExhausted")["message"]!;
        Assert.Contains("pods (20 of 20)", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rbac_ControllerWithTheChartsClusterAccessRoles_CannotReadSecretsOrWriteOutsideItsNamespaces()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false, clusterAccessChart: true);
        using var controller = h.Server.CreateClient(ControllerHarness.ControllerToken);

        var read = await Assert.ThrowsAsync<HttpOperationException>(() => controller.CoreV1.ListNamespacedSecretAsync("kube-system"));
        var role = await Assert.ThrowsAsync<HttpOperationException>(() => controller.RbacAuthorizationV1.CreateNamespacedRoleAsync(
            new V1Role { Metadata = new V1ObjectMeta { Name = "x" }, Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["secrets"], Verbs = ["get"] }] }, "kube-system"));
        var bindAdmin = await Assert.ThrowsAsync<HttpOperationException>(() => controller.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(
            new V1RoleBinding { Metadata = new V1ObjectMeta { Name = "x" }, RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "cluster-admin" }, Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "x", NamespaceProperty = "kube-system" }] }, "kube-system"));

        Assert.Equal(HttpStatusCode.Forbidden, read.Response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, role.Response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, bindAdmin.Response.StatusCode);
    }
}
