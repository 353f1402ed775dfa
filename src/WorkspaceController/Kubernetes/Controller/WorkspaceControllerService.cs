using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workspaces.Shared.Reconciliation;
using Workspaces.WorkspaceController.Kubernetes.Resources;

namespace Workspaces.WorkspaceController.Kubernetes.Controller;

/// <summary>
/// The controller process: wins the Lease (so of two replicas only one reconciles), then runs the Workspace and Pod
/// informers, feeds their changes into the work queue and drains it with a few workers. Losing the Lease stops all of it;
/// the next term starts from a fresh list.
/// </summary>
public sealed partial class WorkspaceControllerService(
    IKubernetes client,
    WorkspaceResourceReconciler reconciler,
    Snapshots.WorkspaceSnapshotController snapshots,
    ClusterAccess.DevNamespaceServices devServices,
    IOptions<ControllerOptions> options,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory,
    ILogger<WorkspaceControllerService> logger) : BackgroundService
{
    private readonly ControllerOptions _options = options.Value;
    private volatile bool _leading;
    private volatile LeaseProblem? _leaseProblem;

    /// <summary>The last error reading or writing the Lease (a 403 from missing RBAC, an unreachable API server), and when.</summary>
    public sealed record LeaseProblem(string Message, DateTimeOffset At);

    /// <summary>The last Lease error; null once the Lease was read or won again. Health reports it while it is recent.</summary>
    public LeaseProblem? LeaseError => _leaseProblem;

    /// <summary>True while this replica holds the Lease and reconciles.</summary>
    public bool IsLeading => _leading;

    /// <summary>The informers of the current term (null when not leading); for tests and diagnostics.</summary>
    public ResourceInformer<WorkspaceResource, WorkspaceResourceList>? Workspaces { get; private set; }

    public int Reconciles => _reconciles;

    private int _reconciles;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ControllerTelemetry.ObserveLeadership(() => _leading);
        if (!_options.LeaderElection.Enabled)
        {
            await LeadAsync(stoppingToken);
            return;
        }

        var le = _options.LeaderElection;
        var identity = string.IsNullOrEmpty(le.Identity) ? $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..8]}" : le.Identity;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var config = new LeaderElectionConfig(new LeaseLock(client, _options.Namespace, le.LeaseName, identity))
                {
                    LeaseDuration = le.LeaseDuration,
                    RenewDeadline = le.RenewDeadline,
                    RetryPeriod = le.RetryPeriod,
                };
                using var elector = new LeaderElector(config);
                var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                elector.OnStartedLeading += () =>
                {
                    _leaseProblem = null;
                    started.TrySetResult();
                };
                elector.OnNewLeader += _ => _leaseProblem = null;
                elector.OnError += LeaseFailed;
                var election = elector.RunUntilLeadershipLostAsync(stoppingToken);
                if (await Task.WhenAny(started.Task, election) == election)
                {
                    await election;
                    continue;
                }

                LogLeading(identity);
                using var term = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var lead = LeadAsync(term.Token);
                await Task.WhenAny(election, lead);
                await term.CancelAsync();
                await lead.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await election.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                LogLostLease(identity);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogElectionFailed(e);
                await new Backoff(le.RetryPeriod, le.LeaseDuration).WaitAsync(1, timeProvider, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>
    /// The elector retries every RetryPeriod and swallows the error: without this a 403 on the Lease leaves every
    /// replica idle while all report ready. Logged when it starts or changes, not on every retry.
    /// </summary>
    private void LeaseFailed(Exception e)
    {
        var message = e is k8s.Autorest.HttpOperationException h ? $"{(int)h.Response.StatusCode} {h.Response.StatusCode}: {KubernetesErrors.Message(h)}" : e.Message;
        var previous = _leaseProblem;
        _leaseProblem = new LeaseProblem(message, timeProvider.GetUtcNow());
        if (previous?.Message != message)
        {
            LogLeaseError(e, _options.LeaderElection.LeaseName, message);
        }
    }

    private async Task LeadAsync(CancellationToken cancellationToken)
    {
        var ns = _options.Namespace;
        var workspaces = new ResourceInformer<WorkspaceResource, WorkspaceResourceList>(
            "workspaces",
            (rv, watch, ct) => client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<WorkspaceResourceList>(
                WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, ns, WorkspaceResource.Plural,
                allowWatchBookmarks: watch ? true : null, resourceVersion: rv, timeoutSeconds: watch ? WatchTimeoutSeconds() : null, watch: watch, cancellationToken: ct),
            list => (list.Metadata?.ResourceVersion, list.Items),
            timeProvider,
            loggerFactory.CreateLogger("Workspaces.Controller.WorkspaceInformer"))
        {
            Trim = workspace =>
            {
                workspace.Metadata.ManagedFields = null;
                return workspace;
            },
        };
        var pods = new ResourceInformer<V1Pod, V1PodList>(
            "workspace pods",
            (rv, watch, ct) => client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(
                ns, allowWatchBookmarks: watch ? true : null, labelSelector: $"{WorkspaceResourceBuilder.ManagedByLabel}={WorkspaceResourceBuilder.ManagedBy}",
                resourceVersion: rv, timeoutSeconds: watch ? WatchTimeoutSeconds() : null, watch: watch, cancellationToken: ct),
            list => (list.Metadata?.ResourceVersion, list.Items),
            timeProvider,
            loggerFactory.CreateLogger("Workspaces.Controller.PodInformer"))
        {
            // The reconciler reads a pod's metadata and status only; its spec is what the builder made.
            Trim = pod =>
            {
                pod.Spec = null;
                pod.Metadata.ManagedFields = null;
                return pod;
            },
        };

        // Policies are watched (not just re-read on resync): a deleted one is a hole in the workspace's isolation.
        var policies = new ResourceInformer<V1NetworkPolicy, V1NetworkPolicyList>(
            "workspace network policies",
            (rv, watch, ct) => client.NetworkingV1.ListNamespacedNetworkPolicyWithHttpMessagesAsync(
                ns, allowWatchBookmarks: watch ? true : null, labelSelector: $"{WorkspaceResourceBuilder.ManagedByLabel}={WorkspaceResourceBuilder.ManagedBy}",
                resourceVersion: rv, timeoutSeconds: watch ? WatchTimeoutSeconds() : null, watch: watch, cancellationToken: ct),
            list => (list.Metadata?.ResourceVersion, list.Items),
            timeProvider,
            loggerFactory.CreateLogger("Workspaces.Controller.PolicyInformer"))
        {
            Trim = policy =>
            {
                policy.Metadata.ManagedFields = null;
                return policy;
            },
        };

        using var queue = new WorkQueue(timeProvider, new Backoff(_options.BaseBackoff, _options.MaxBackoff));
        ControllerTelemetry.ObserveQueue(() => queue.Length);
        workspaces.Changed = (old, current) =>
        {
            // A status-only change (our own write) moves neither generation, deletion nor finalizers: nothing to do.
            if (old is not null && current is not null
                && old.Metadata.Generation == current.Metadata.Generation
                && old.Metadata.DeletionTimestamp == current.Metadata.DeletionTimestamp
                && (old.Metadata.Finalizers?.Count ?? 0) == (current.Metadata.Finalizers?.Count ?? 0))
            {
                return;
            }

            queue.Add((current ?? old)!.Metadata.Name);
        };
        pods.Changed = (old, current) =>
        {
            if ((current ?? old)?.Metadata.Labels?.TryGetValue(WorkspaceResourceBuilder.WorkspaceLabel, out var owner) == true)
            {
                queue.Add(owner);
            }
        };

        policies.Changed = (old, current) =>
        {
            if (old is not null && (current?.Metadata.Labels?.TryGetValue(WorkspaceResourceBuilder.WorkspaceLabel, out _) ?? true)
                && old.Metadata.Labels?.TryGetValue(WorkspaceResourceBuilder.WorkspaceLabel, out var owner) == true)
            {
                reconciler.ForgetChildren(owner);
                queue.Add(owner);
            }
        };

        var loops = new List<Task> { workspaces.RunAsync(cancellationToken), pods.RunAsync(cancellationToken), policies.RunAsync(cancellationToken) };
        if (_options.ClusterAccess.Enabled)
        {
            // A Service made or changed in a development namespace: its Workspace reports it (a preview in the Ports panel).
            var services = devServices.CreateInformer(client, timeProvider, loggerFactory.CreateLogger("Workspaces.Controller.ServiceInformer"), WatchTimeoutSeconds);
            services.Changed = (old, current) =>
            {
                var ns = (current ?? old)!.Metadata.NamespaceProperty;
                foreach (var workspace in workspaces.Snapshot())
                {
                    if (workspace.Spec.ClusterAccess?.Namespace == ns && workspace.Metadata.NamespaceProperty == _options.Namespace)
                    {
                        queue.Add(workspace.Metadata.Name);
                    }
                }
            };
            loops.Add(services.RunAsync(cancellationToken));
        }

        if (_options.Snapshots.Enabled)
        {
            loops.Add(snapshots.RunAsync(cancellationToken));
        }

        try
        {
            await Task.WhenAll(workspaces.Synced, pods.Synced, policies.Synced).WaitAsync(cancellationToken);
            loops.Add(ResyncAsync(queue, workspaces, cancellationToken));
            Workspaces = workspaces;
            _leading = true;
            loops.Add(ReconcileWorkers.RunAsync(
                queue, _options.Workers, (name, ct) => ReconcileAsync(name, workspaces, pods, ct), FailedKeys.RetryWithBackoff, ReconcileFailed, cancellationToken));

            await Task.WhenAll(loops);
        }
        finally
        {
            _leading = false;
            Workspaces = null;
            devServices.Clear();
        }
    }

    /// <summary>One pass over one workspace, measured and traced; a 409 is counted as a conflict, not an error.</summary>
    private async Task<ReconcileResult> ReconcileAsync(string name, ResourceInformer<WorkspaceResource, WorkspaceResourceList> workspaces, ResourceInformer<V1Pod, V1PodList> pods, CancellationToken cancellationToken)
    {
        using var activity = ControllerTelemetry.StartReconcile(name, workspaces.Get(name));
        var began = ControllerTelemetry.Begin();
        var outcome = "error";
        try
        {
            var result = await reconciler.ReconcileAsync(name, workspaces, pods, cancellationToken);
            outcome = "done";
            Interlocked.Increment(ref _reconciles);
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = "cancelled";
            throw;
        }
        catch (Exception e) when (KubernetesErrors.IsConflict(e))
        {
            outcome = "conflict";
            throw;
        }
        finally
        {
            ControllerTelemetry.Reconciled(began, outcome, activity);
        }
    }

    private void ReconcileFailed(string name, Exception e, TimeSpan? retryIn)
    {
        if (KubernetesErrors.IsConflict(e))
        {
            LogConflict(name);
        }
        else
        {
            LogReconcileFailed(e, name, retryIn.GetValueOrDefault());
        }
    }

    /// <summary>Every workspace again after each ResyncPeriod, changed or not: its children are verified, its deadlines re-checked.</summary>
    private async Task ResyncAsync(WorkQueue queue, ResourceInformer<WorkspaceResource, WorkspaceResourceList> workspaces, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.ResyncPeriod, timeProvider, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            foreach (var workspace in workspaces.Snapshot())
            {
                queue.Add(workspace.Metadata.Name);
            }
        }
    }

    // client-go's spread: every watch ends after 5-10 minutes, so no connection lives forever behind a load balancer.
    private static int WatchTimeoutSeconds() => 300 + Random.Shared.Next(300);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} holds the lease: reconciling workspaces")]
    private partial void LogLeading(string identity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Identity} lost the lease: stopped reconciling")]
    private partial void LogLostLease(string identity);

    [LoggerMessage(Level = LogLevel.Error, Message = "The leader-election Lease {LeaseName} cannot be read or written ({Problem}); no replica reconciles until it can")]
    private partial void LogLeaseError(Exception exception, string leaseName, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Leader election failed; retrying")]
    private partial void LogElectionFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Workspace {WorkspaceName} changed while it was reconciled (409); retrying")]
    private partial void LogConflict(string workspaceName);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reconciling workspace {WorkspaceName} failed; retrying in {Delay}")]
    private partial void LogReconcileFailed(Exception exception, string workspaceName, TimeSpan delay);
}
