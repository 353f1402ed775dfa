using k8s.Models;

namespace Workspaces.WorkspaceController.Kubernetes.Prebuilds;

/// <summary>
/// The in-cluster object store of prebuild archives (the chart's MinIO), which the workspaces' NetworkPolicy otherwise
/// blocks with the cluster's networks (section <c>Workspaces:Controller:PrebuildStore</c>).
/// </summary>
public sealed class PrebuildStoreOptions
{
    /// <summary>The store's namespace; empty: the controller's.</summary>
    public string Namespace { get; set; } = "";

    /// <summary>The store's pods; none: no rule (a store outside the cluster is reached as the internet is).</summary>
    public Dictionary<string, string> PodLabels { get; set; } = new(StringComparer.Ordinal);

    public int Port { get; set; } = 9000;
}

public static class PrebuildStoreEgress
{
    /// <summary>
    /// Egress to the store's pods on its port, only while the workspace runs or restores a prebuild (its agent moves the
    /// archive through a presigned URL); null otherwise.
    /// </summary>
    public static V1NetworkPolicyEgressRule? Rule(WorkspaceResource workspace, ControllerOptions options)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(options);
        if (workspace.Spec.Prebuild is null || options.PrebuildStore.PodLabels.Count == 0)
        {
            return null;
        }

        var store = options.PrebuildStore;
        return Resources.WorkspaceResourceBuilder.PodsEgress(string.IsNullOrEmpty(store.Namespace) ? options.Namespace : store.Namespace, store.PodLabels, store.Port);
    }
}
