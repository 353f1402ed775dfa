using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Controller;

namespace Workspaces.WorkspaceController.ClusterAccess;

/// <summary>
/// The Services of development namespaces, as the Workspace's <c>status.clusterAccess.services</c> reports them for the
/// web app's preview proxy. One list+watch of Services across namespaces (the chart's read-only grant) while the
/// controller leads; a change in a development namespace re-queues its Workspace. What is reported is a pure function of
/// the Services (<see cref="ToStatus"/>), golden-tested.
/// </summary>
public sealed partial class DevNamespaceServices
{
    private volatile ResourceInformer<V1Service, V1ServiceList>? _informer;

    /// <summary>The informer of this term, keyed by namespace/name; <see cref="Report"/> reads it.</summary>
    public ResourceInformer<V1Service, V1ServiceList> CreateInformer(IKubernetes client, TimeProvider timeProvider, ILogger logger, Func<int> watchTimeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(watchTimeoutSeconds);
        var informer = new ResourceInformer<V1Service, V1ServiceList>(
            "development namespace services",
            (rv, watch, ct) => client.CoreV1.ListServiceForAllNamespacesWithHttpMessagesAsync(
                allowWatchBookmarks: watch ? true : null, resourceVersion: rv, timeoutSeconds: watch ? watchTimeoutSeconds() : null, watch: watch, cancellationToken: ct),
            list => (list.Metadata?.ResourceVersion, list.Items),
            timeProvider,
            logger)
        {
            KeyOf = service => $"{service.Metadata.NamespaceProperty}/{service.Metadata.Name}",
            // Only what the report reads: a cluster's Services can be many.
            Trim = service => new V1Service
            {
                Metadata = new V1ObjectMeta { Name = service.Metadata.Name, NamespaceProperty = service.Metadata.NamespaceProperty, ResourceVersion = service.Metadata.ResourceVersion },
                Spec = new V1ServiceSpec { Type = service.Spec?.Type, Ports = service.Spec?.Ports },
            },
        };
        _informer = informer;
        return informer;
    }

    /// <summary>The term ended: nothing is known until the next list.</summary>
    public void Clear() => _informer = null;

    /// <summary>What the Workspace's status says about <paramref name="ns"/>'s Services; null while not known (before the first list).</summary>
    public List<WorkspaceServiceStatus>? Report(string ns)
    {
        if (_informer is not { } informer || !informer.Synced.IsCompletedSuccessfully)
        {
            return null;
        }

        return ToStatus(informer.Snapshot().Where(s => s.Metadata.NamespaceProperty == ns));
    }

    /// <summary>
    /// The previewable Services, by name: TCP ports only (at most <see cref="WorkspaceServiceStatus.MaxPorts"/> each), at
    /// most <see cref="WorkspaceServiceStatus.MaxServices"/>. ExternalName Services are left out: their DNS name is an
    /// alias the namespace's user chooses, so previewing one would let them point the proxy at any host.
    /// </summary>
    public static List<WorkspaceServiceStatus> ToStatus(IEnumerable<V1Service> services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return [.. services
            .Where(s => s.Spec?.Type != "ExternalName" && DnsLabel().IsMatch(s.Metadata.Name ?? ""))
            .Select(s => new WorkspaceServiceStatus
            {
                Name = s.Metadata.Name,
                Ports = [.. (s.Spec?.Ports ?? [])
                    .Where(p => (p.Protocol ?? "TCP") == "TCP" && p.Port is >= 1 and <= 65535)
                    .OrderBy(p => p.Port)
                    .Take(WorkspaceServiceStatus.MaxPorts)
                    .Select(p => new WorkspaceServicePortStatus { Name = string.IsNullOrEmpty(p.Name) ? null : p.Name, Port = p.Port, Protocol = "TCP" })],
            })
            .Where(s => s.Ports.Count > 0)
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .Take(WorkspaceServiceStatus.MaxServices)];
    }

    [GeneratedRegex("^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
