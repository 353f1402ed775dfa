using k8s;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workspaces.Shared.Threading;
using Workspaces.WorkspaceController.Kubernetes.Controller;

namespace Workspaces.WorkspaceController.Kubernetes.Runtime;

/// <summary>
/// The web app's list+watch of Workspace resources: a cache the runtime reads instead of asking the API server on every
/// observation, and a signal for whoever waits on a status change.
/// </summary>
public sealed class WorkspaceResourceWatch : BackgroundService
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WorkspaceResourceWatch(IKubernetes client, IOptions<KubernetesRuntimeOptions> options, TimeProvider timeProvider, ILogger<WorkspaceResourceWatch> logger)
    {
        var ns = options.Value.Namespace;
        Informer = new ResourceInformer<WorkspaceResource, WorkspaceResourceList>(
            "workspaces (web)",
            (rv, watch, ct) => client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<WorkspaceResourceList>(
                WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, ns, WorkspaceResource.Plural,
                allowWatchBookmarks: watch ? true : null, resourceVersion: rv, timeoutSeconds: watch ? 300 + Random.Shared.Next(300) : null, watch: watch, cancellationToken: ct),
            list => (list.Metadata?.ResourceVersion, list.Items),
            timeProvider,
            logger)
        {
            Changed = (old, current) =>
            {
                Pulse();
                var name = (current ?? old)?.Metadata.Name;
                if (name is not null)
                {
                    WorkspaceChanged?.Invoke(name);
                    if (!SameServices(old, current))
                    {
                        ServicesChanged?.Invoke(name);
                    }
                }
            },
        };
    }

    public ResourceInformer<WorkspaceResource, WorkspaceResourceList> Informer { get; }

    /// <summary>Raised with the workspace's id whenever its resource changes (spec or status).</summary>
    public event Action<string>? WorkspaceChanged;

    /// <summary>Raised with the workspace's id when the Services its status reports change.</summary>
    public event Action<string>? ServicesChanged;

    /// <summary>Completes at the next change of any Workspace.</summary>
    public Task NextChange
    {
        get
        {
            lock (_lock)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>Lets a writer publish the object the API server returned before its watch event arrives.</summary>
    public void Update(WorkspaceResource workspace)
    {
        Informer.Update(workspace);
        Pulse();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await ThreadPoolSynchronizationContext.Instance.SwitchTo();
        await Informer.RunAsync(stoppingToken);
    }

    private static bool SameServices(WorkspaceResource? old, WorkspaceResource? current) =>
        Services(old) == Services(current) && old?.Status?.ClusterAccess?.Phase == current?.Status?.ClusterAccess?.Phase;

    // KubernetesJson.Serialize does not take null.
    private static string Services(WorkspaceResource? workspace) =>
        workspace?.Status?.ClusterAccess?.Services is { } services ? k8s.KubernetesJson.Serialize(services) : "";

    private void Pulse()
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}
