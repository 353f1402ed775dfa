using System.Text.Json.Serialization;

namespace Workspaces.WorkspaceController.ClusterAccess;

/// <summary>One rule of a namespaced RBAC Role, as the project setting, the Workspace resource and the chart write it.</summary>
public sealed class ClusterAccessRule
{
    [JsonPropertyName("apiGroups")]
    public List<string> ApiGroups { get; set; } = [];

    [JsonPropertyName("resources")]
    public List<string> Resources { get; set; } = [];

    [JsonPropertyName("verbs")]
    public List<string> Verbs { get; set; } = [];

    public static ClusterAccessRule Of(string[] apiGroups, string[] resources, string[] verbs) =>
        new() { ApiGroups = [.. apiGroups], Resources = [.. resources], Verbs = [.. verbs] };
}

/// <summary>
/// The default Role of a development namespace: the rules of Kubernetes' built-in <c>edit</c> ClusterRole (1.31),
/// except writes to NetworkPolicies, which would let the developer's code lift the namespace's own isolation. The chart
/// renders the same list as the administrator's ceiling (<c>clusterAccess.ceiling</c>).
/// </summary>
public static class EditRules
{
    private static readonly string[] Write = ["create", "delete", "deletecollection", "patch", "update"];
    private static readonly string[] Read = ["get", "list", "watch"];

    public static IReadOnlyList<ClusterAccessRule> Default { get; } =
    [
        ClusterAccessRule.Of([""], ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "pods/log", "pods/status", "configmaps", "endpoints", "events",
            "persistentvolumeclaims", "persistentvolumeclaims/status", "replicationcontrollers", "replicationcontrollers/scale", "replicationcontrollers/status",
            "secrets", "serviceaccounts", "services", "services/proxy", "services/status", "limitranges", "resourcequotas", "resourcequotas/status", "bindings"], Read),
        ClusterAccessRule.Of([""], ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "configmaps", "events", "persistentvolumeclaims",
            "replicationcontrollers", "replicationcontrollers/scale", "secrets", "serviceaccounts", "services", "services/proxy"], Write),
        ClusterAccessRule.Of([""], ["pods/eviction", "serviceaccounts/token"], ["create"]),
        ClusterAccessRule.Of(["apps"], ["controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/rollback", "deployments/scale", "deployments/status",
            "replicasets", "replicasets/scale", "replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status"], Read),
        ClusterAccessRule.Of(["apps"], ["daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets", "replicasets/scale", "statefulsets", "statefulsets/scale"], Write),
        ClusterAccessRule.Of(["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"], Read),
        ClusterAccessRule.Of(["autoscaling"], ["horizontalpodautoscalers"], Write),
        ClusterAccessRule.Of(["batch"], ["cronjobs", "cronjobs/status", "jobs", "jobs/status"], Read),
        ClusterAccessRule.Of(["batch"], ["cronjobs", "jobs"], Write),
        ClusterAccessRule.Of(["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"], Read),
        ClusterAccessRule.Of(["policy"], ["poddisruptionbudgets"], Write),
        ClusterAccessRule.Of(["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"], Read),
        ClusterAccessRule.Of(["networking.k8s.io"], ["ingresses"], Write),
        ClusterAccessRule.Of(["discovery.k8s.io"], ["endpointslices"], Read),
        ClusterAccessRule.Of(["coordination.k8s.io"], ["leases"], [.. Read, .. Write]),
    ];
}
