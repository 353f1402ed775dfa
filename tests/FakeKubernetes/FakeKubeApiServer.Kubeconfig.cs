using System.Text.Json.Nodes;

namespace Workspaces.FakeKubernetes;

/// <summary>An administrator's kubeconfig for this server, as kind or k3d write one: its token acts as a cluster-admin.</summary>
public sealed partial class FakeKubeApiServer
{
    /// <summary>The administrator's bearer token: the service account <c>kube-system/cluster-admin</c>, bound by <see cref="AdminRbac"/>.</summary>
    public static string AdminToken => FakeRbac.ServiceAccountToken("kube-system", "cluster-admin");

    /// <summary>RBAC where <see cref="AdminToken"/> may do anything (a ClusterRole of <c>*</c> and its ClusterRoleBinding) and every other token only what Roles stored in the server grant.</summary>
    public static FakeRbac AdminRbac() => FakeRbac.FromManifests(
        [
            new JsonObject
            {
                ["kind"] = "ClusterRole",
                ["metadata"] = new JsonObject { ["name"] = "cluster-admin" },
                ["rules"] = new JsonArray(new JsonObject { ["apiGroups"] = new JsonArray("*"), ["resources"] = new JsonArray("*"), ["verbs"] = new JsonArray("*") }),
            },
            new JsonObject
            {
                ["kind"] = "ClusterRoleBinding",
                ["metadata"] = new JsonObject { ["name"] = "cluster-admin" },
                ["roleRef"] = new JsonObject { ["kind"] = "ClusterRole", ["name"] = "cluster-admin", ["apiGroup"] = "rbac.authorization.k8s.io" },
                ["subjects"] = new JsonArray(new JsonObject { ["kind"] = "ServiceAccount", ["name"] = "cluster-admin", ["namespace"] = "kube-system" }),
            },
        ],
        "kube-system");

    /// <summary>A kubeconfig whose context <paramref name="context"/> reaches this server with <see cref="AdminToken"/>.</summary>
    public string AdminKubeconfig(string context = "kind-dev", Uri? server = null) => $"""
        apiVersion: v1
        kind: Config
        clusters:
          - name: {context}
            cluster:
              server: {(server ?? Url).AbsoluteUri.TrimEnd('/')}
        users:
          - name: {context}-admin
            user:
              token: {AdminToken}
        contexts:
          - name: {context}
            context:
              cluster: {context}
              user: {context}-admin
        current-context: {context}

        """;
}
