using k8s;
using k8s.Autorest;
using k8s.Models;
using Workspaces.WorkspaceController.ClusterAccess;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Controller;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.WorkspaceController.Local.ClusterAccess;

/// <summary>
/// Makes a local workspace's development namespace and its objects (<see cref="LocalClusterAccessBuilder"/>) exist with
/// the administrator's client, and tells a namespace of ours from one that is not (never touched).
/// </summary>
public static class LocalNamespaceObjects
{
    /// <summary>Makes the namespace (refusing one that is not this workspace's) and what lives in it exist as described.</summary>
    public static async Task EnsureAsync(IKubernetes client, WorkspaceResource workspace, LocalClusterAccessOptions options, Action<string> created, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(created);
        var objects = LocalClusterAccessBuilder.Objects(workspace, options);
        var desired = (V1Namespace)objects[0];
        var ns = desired.Metadata.Name;
        try
        {
            var existing = await client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: cancellationToken);
            if (!IsOurs(existing, workspace.Metadata.Name, workspace.Metadata.Uid))
            {
                throw new WorkspaceRuntimeException(NotOurs(ns));
            }

            if (existing.Metadata.DeletionTimestamp is not null)
            {
                throw new LocalClusterUnavailableException($"still deletes an earlier namespace {ns}.");
            }
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            try
            {
                await client.CoreV1.CreateNamespaceAsync(desired, cancellationToken: cancellationToken);
            }
            catch (HttpOperationException conflict) when (KubernetesErrors.IsConflict(conflict))
            {
                // Another workspace's start, whose project renders the same name, made it between our read and our create.
                throw new WorkspaceRuntimeException(NotOurs(ns));
            }

            created(ns);
        }

        foreach (var o in objects.Skip(1))
        {
            switch (o)
            {
                case V1ServiceAccount account:
                    await CreateUnlessThereAsync(() => client.CoreV1.CreateNamespacedServiceAccountAsync(account, ns, cancellationToken: cancellationToken));
                    break;
                case V1Role role:
                    await CreateOrReplaceAsync(() => client.RbacAuthorizationV1.CreateNamespacedRoleAsync(role, ns, cancellationToken: cancellationToken),
                        async () => role.Metadata.ResourceVersion = (await client.RbacAuthorizationV1.ReadNamespacedRoleAsync(role.Metadata.Name, ns, cancellationToken: cancellationToken)).Metadata.ResourceVersion,
                        () => client.RbacAuthorizationV1.ReplaceNamespacedRoleAsync(role, role.Metadata.Name, ns, cancellationToken: cancellationToken));
                    break;
                case V1RoleBinding binding:
                    await CreateUnlessThereAsync(() => client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(binding, ns, cancellationToken: cancellationToken));
                    break;
                case V1ResourceQuota quota:
                    await CreateOrReplaceAsync(() => client.CoreV1.CreateNamespacedResourceQuotaAsync(quota, ns, cancellationToken: cancellationToken),
                        async () => quota.Metadata.ResourceVersion = (await client.CoreV1.ReadNamespacedResourceQuotaAsync(quota.Metadata.Name, ns, cancellationToken: cancellationToken)).Metadata.ResourceVersion,
                        () => client.CoreV1.ReplaceNamespacedResourceQuotaAsync(quota, quota.Metadata.Name, ns, cancellationToken: cancellationToken));
                    break;
                case V1LimitRange limits:
                    await CreateOrReplaceAsync(() => client.CoreV1.CreateNamespacedLimitRangeAsync(limits, ns, cancellationToken: cancellationToken),
                        async () => limits.Metadata.ResourceVersion = (await client.CoreV1.ReadNamespacedLimitRangeAsync(limits.Metadata.Name, ns, cancellationToken: cancellationToken)).Metadata.ResourceVersion,
                        () => client.CoreV1.ReplaceNamespacedLimitRangeAsync(limits, limits.Metadata.Name, ns, cancellationToken: cancellationToken));
                    break;
                case V1NetworkPolicy policy:
                    await CreateOrReplaceAsync(() => client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(policy, ns, cancellationToken: cancellationToken),
                        async () => policy.Metadata.ResourceVersion = (await client.NetworkingV1.ReadNamespacedNetworkPolicyAsync(policy.Metadata.Name, ns, cancellationToken: cancellationToken)).Metadata.ResourceVersion,
                        () => client.NetworkingV1.ReplaceNamespacedNetworkPolicyAsync(policy, policy.Metadata.Name, ns, cancellationToken: cancellationToken));
                    break;
                default:
                    throw new InvalidOperationException($"No way to create a {o.Kind}.");
            }
        }
    }

    private static string NotOurs(string ns) =>
        $"Cluster access refused: the namespace {ns} already exists in the cluster and does not belong to this workspace. Delete it, or choose another namespace pattern in the project's settings.";

    private static async Task CreateUnlessThereAsync<T>(Func<Task<T>> create)
    {
        try
        {
            await create();
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsConflict(e))
        {
            // There already: a service account or binding never changes.
        }
    }

    // What the project asks for may have changed since the last start (its Role), and so may the administrator's quota.
    private static async Task CreateOrReplaceAsync<T>(Func<Task<T>> create, Func<Task> readVersion, Func<Task<T>> replace)
    {
        try
        {
            await create();
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsConflict(e))
        {
            await readVersion();
            await replace();
        }
    }

    /// <summary>Made by this server for this workspace: its labels, and the owner id only this server knows.</summary>
    public static bool IsOurs(V1Namespace ns, string workspaceId, string ownerUid)
    {
        var labels = ns.Metadata.Labels ?? new Dictionary<string, string>();
        var annotations = ns.Metadata.Annotations ?? new Dictionary<string, string>();
        return labels.TryGetValue(Kubernetes.Resources.WorkspaceResourceBuilder.WorkspaceLabel, out var of) && of == workspaceId
            && labels.TryGetValue(ClusterAccessBuilder.WorkspaceNamespaceLabel, out var from) && from == LocalClusterAccessBuilder.LocalMarker
            && annotations.TryGetValue(ClusterAccessBuilder.OwnerUidAnnotation, out var uid) && uid == ownerUid;
    }
}

/// <summary>The cluster cannot do it now (a namespace still terminating): the start goes on without cluster access.</summary>
internal sealed class LocalClusterUnavailableException(string message) : Exception(message);
