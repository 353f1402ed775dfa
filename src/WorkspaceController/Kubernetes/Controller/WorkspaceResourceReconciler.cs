using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workspaces.WorkspaceController.Kubernetes.Resources;

namespace Workspaces.WorkspaceController.Kubernetes.Controller;

/// <summary>What the worker does with the key after a reconcile.</summary>
public readonly record struct ReconcileResult(TimeSpan? RequeueAfter)
{
    public static ReconcileResult Done => new(null);

    public static ReconcileResult After(TimeSpan delay) => new(delay);
}

/// <summary>
/// One idempotent, level-triggered pass over one Workspace: it looks at the Workspace and its pod as they are now (the
/// informers' caches) and makes one step towards what the spec asks: finalizer, volume, secret, service, network policy,
/// then the pod running or gone, then the status. Anything interrupted is simply done again on the next pass.
/// </summary>
public sealed partial class WorkspaceResourceReconciler(
    IKubernetes client,
    IOptions<ControllerOptions> options,
    EventRecorder events,
    TimeProvider timeProvider,
    ILogger<WorkspaceResourceReconciler> logger)
{
    private readonly ControllerOptions _options = options.Value;
    private readonly SealedCredentials _sealed = new(options.Value.CredentialKey);

    /// <summary>Which uid/generation has had its volume, secret, service and policy ensured (redone after a restart).</summary>
    private readonly ConcurrentDictionary<string, string> _childrenEnsured = new(StringComparer.Ordinal);

    public async Task<ReconcileResult> ReconcileAsync(
        string name,
        ResourceInformer<WorkspaceResource, WorkspaceResourceList> workspaces,
        ResourceInformer<V1Pod, V1PodList> pods,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspaces);
        ArgumentNullException.ThrowIfNull(pods);
        var workspace = workspaces.Get(name);
        if (workspace is null)
        {
            _childrenEnsured.TryRemove(name, out _);
            return ReconcileResult.Done;
        }

        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            ["Namespace"] = workspace.Metadata.NamespaceProperty,
            ["WorkspaceName"] = name,
            ["Uid"] = workspace.Metadata.Uid,
        });

        if (workspace.Metadata.DeletionTimestamp is not null)
        {
            return await FinalizeAsync(workspace, workspaces, cancellationToken);
        }

        if (!(workspace.Metadata.Finalizers?.Contains(WorkspaceResourceBuilder.Finalizer) ?? false))
        {
            workspace.Metadata.Finalizers = [.. workspace.Metadata.Finalizers ?? [], WorkspaceResourceBuilder.Finalizer];
            workspace = await ReplaceAsync(workspace, cancellationToken);
            workspaces.Update(workspace);
        }

        var status = Clone(workspace.Status) ?? new WorkspaceStatus();
        var result = await ConvergeAsync(workspace, status, pods, cancellationToken);
        if (status.Phase == WorkspaceStatusPhase.Running && workspace.Status?.Phase != WorkspaceStatusPhase.Running)
        {
            var took = status.Timings is { ReadyAt: { } ready, PodCreatedAt: { } created } ? $" in {(ready - created).TotalSeconds:0.0} s" : "";
            await events.RecordAsync(workspace, "Normal", "Running", $"The workspace is ready{took}: {status.AgentUrl}", cancellationToken);
        }

        status.ObservedGeneration = workspace.Metadata.Generation;
        status.Host = WorkspaceResourceBuilder.Host(workspace, _options);
        SetReadyCondition(workspace, status, timeProvider.GetUtcNow().UtcDateTime);
        if (!SameJson(status, workspace.Status))
        {
            workspace.Status = status;
            var updated = await client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<WorkspaceResource>(
                workspace, WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, workspace.Metadata.NamespaceProperty, WorkspaceResource.Plural, name, cancellationToken: cancellationToken);
            workspaces.Update(updated);
        }

        return result;
    }

    private async Task<ReconcileResult> ConvergeAsync(WorkspaceResource workspace, WorkspaceStatus status, ResourceInformer<V1Pod, V1PodList> pods, CancellationToken cancellationToken)
    {
        var credentials = _sealed.Open(workspace.Metadata.NamespaceProperty, workspace.Metadata.Name, workspace.Spec.SealedCredentials);
        if (credentials is null)
        {
            if (status.Phase != WorkspaceStatusPhase.Failed)
            {
                await events.RecordAsync(workspace, "Warning", "InvalidCredentials", "spec.sealedCredentials is missing or was not sealed for this Workspace with the controller's key.", cancellationToken);
            }

            status.Phase = WorkspaceStatusPhase.Failed;
            status.Message = "The workspace's credentials cannot be opened: the web app and the controller must share the same credential key.";
            return ReconcileResult.Done;
        }

        await EnsureChildrenAsync(workspace, credentials, cancellationToken);
        var podName = ControllerOptions.ChildName(workspace.Metadata.Name);
        var pod = pods.Get(podName);
        var now = timeProvider.GetUtcNow();

        if (workspace.Spec.DesiredState == DesiredWorkspaceState.Stopped)
        {
            if (pod is not null)
            {
                if (pod.Metadata.DeletionTimestamp is null)
                {
                    await DeletePodAsync(workspace, podName, cancellationToken);
                    await events.RecordAsync(workspace, "Normal", "Stopping", "Stopping the workspace; its volume is kept.", cancellationToken);
                }

                status.Phase = WorkspaceStatusPhase.Stopping;
                status.Message = "Stopping the workspace.";
                return ReconcileResult.Done;
            }

            status.Phase = WorkspaceStatusPhase.Stopped;
            status.Message = null;
            status.StartStep = null;
            status.PodName = null;
            status.PodIP = null;
            status.AgentUrl = null;
            status.Restarts = null;
            status.LastPodFailureAt = null;
            return ReconcileResult.Done;
        }

        if (pod is null)
        {
            var wait = RestartDelay(status, now);
            if (wait > TimeSpan.Zero)
            {
                status.Phase = WorkspaceStatusPhase.Starting;
                status.Message = $"Restarting in {Math.Ceiling(wait.TotalSeconds)} s after the pod ended unexpectedly.";
                return ReconcileResult.After(wait);
            }

            if (status.Phase is not WorkspaceStatusPhase.Starting and not WorkspaceStatusPhase.Running)
            {
                status.Restarts = null;
                status.LastPodFailureAt = null;
            }

            try
            {
                pod = await client.CoreV1.CreateNamespacedPodAsync(WorkspaceResourceBuilder.Pod(workspace, _options), workspace.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
                LogPodCreated(podName);
                await events.RecordAsync(workspace, "Normal", "Starting", $"Created pod {podName}.", cancellationToken);
            }
            catch (HttpOperationException e) when (KubernetesErrors.IsConflict(e))
            {
                // Created by an earlier pass whose watch event has not arrived yet.
                return ReconcileResult.After(TimeSpan.FromSeconds(1));
            }

            status.Phase = WorkspaceStatusPhase.Starting;
            status.StartStep = "Scheduling";
            status.Message = null;
            status.PodName = podName;
            status.PodIP = null;
            status.AgentUrl = null;
            status.Timings = new WorkspaceTimings { PodCreatedAt = pod.Metadata.CreationTimestamp is { } created ? new DateTimeOffset(created, TimeSpan.Zero) : now };
            return ReconcileResult.Done;
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            // The old pod is going; its DELETED event brings the workspace back here.
            status.Phase = WorkspaceStatusPhase.Starting;
            return ReconcileResult.Done;
        }

        if (pod.Status?.Phase is "Failed" or "Succeeded")
        {
            var evicted = pod.Status.Reason == "Evicted";
            var reason = evicted ? "Evicted" : "AgentExited";
            var detail = evicted ? pod.Status.Message : ExitDetail(pod);
            status.Restarts = (status.Restarts ?? 0) + 1;
            status.LastPodFailureAt = now;
            status.Phase = WorkspaceStatusPhase.Starting;
            status.StartStep = null;
            status.AgentUrl = null;
            status.PodIP = null;
            status.Message = evicted ? $"The pod was evicted ({detail}); starting a new one. Files are kept." : $"The workspace agent stopped unexpectedly ({detail}); starting it again. Files are kept.";
            await events.RecordAsync(workspace, "Warning", reason, status.Message, cancellationToken);
            LogPodEnded(podName, reason, status.Restarts.Value);
            await DeletePodAsync(workspace, podName, cancellationToken);
            return ReconcileResult.After(RestartDelay(status, now));
        }

        ObservePod(workspace, pod, status, now);
        if (status.Phase != WorkspaceStatusPhase.Running)
        {
            var created = status.Timings?.PodCreatedAt ?? now;
            var timeout = workspace.Spec.Timeouts?.StartSeconds is { } s ? TimeSpan.FromSeconds(s) : _options.StartTimeout;
            if (now - created > timeout)
            {
                if (status.Phase != WorkspaceStatusPhase.Failed)
                {
                    await events.RecordAsync(workspace, "Warning", "StartTimeout", $"The workspace did not become ready within {timeout.TotalSeconds:0} s (last step: {status.StartStep}).", cancellationToken);
                }

                status.Phase = WorkspaceStatusPhase.Failed;
                status.Message = $"The workspace did not become ready within {timeout.TotalSeconds:0} seconds (stuck at {status.StartStep}). {status.Message}".Trim();
                return ReconcileResult.Done;
            }

            return ReconcileResult.After(created + timeout - now);
        }

        return ReconcileResult.Done;
    }

    private void ObservePod(WorkspaceResource workspace, V1Pod pod, WorkspaceStatus status, DateTimeOffset now)
    {
        var timings = status.Timings ??= new WorkspaceTimings();
        timings.PodCreatedAt ??= pod.Metadata.CreationTimestamp is { } c ? new DateTimeOffset(c, TimeSpan.Zero) : now;
        var conditions = pod.Status?.Conditions ?? [];
        timings.ScheduledAt ??= ConditionTime(conditions, "PodScheduled");
        timings.InitializedAt ??= ConditionTime(conditions, "Initialized");
        var main = pod.Status?.ContainerStatuses?.FirstOrDefault(s => s.Name == "workspace");
        if (main?.State?.Running?.StartedAt is { } started)
        {
            timings.AgentStartedAt ??= new DateTimeOffset(started, TimeSpan.Zero);
        }

        status.PodName = pod.Metadata.Name;
        status.PodIP = pod.Status?.PodIP;
        var ready = pod.Status?.Phase == "Running" && main?.Ready == true;
        if (ready)
        {
            timings.ReadyAt ??= ConditionTime(conditions, "Ready") ?? now;
            status.Phase = WorkspaceStatusPhase.Running;
            status.StartStep = null;
            status.Message = null;
            status.AgentUrl = $"http://{WorkspaceResourceBuilder.Host(workspace, _options)}:{_options.AgentPort}";
            return;
        }

        status.Phase = status.Phase == WorkspaceStatusPhase.Failed ? WorkspaceStatusPhase.Failed : WorkspaceStatusPhase.Starting;
        status.AgentUrl = null;
        var waiting = pod.Status?.InitContainerStatuses?.FirstOrDefault(s => s.State?.Terminated is null) ?? main;
        var waitingReason = waiting?.State?.Waiting?.Reason;
        status.StartStep = StartStep(timings.ScheduledAt is not null, conditions, waiting);
        status.Message = waitingReason is "ErrImagePull" or "ImagePullBackOff" or "CreateContainerConfigError" or "InvalidImageName"
            ? $"{waitingReason}: {waiting!.State.Waiting.Message}"
            : null;
    }

    /// <summary>
    /// Where a pending pod is, from what the kubelet reports: the sandbox waits for the volume, each container first for
    /// its image. Approximate by nature (an image pull and a volume attach both show as ContainerCreating).
    /// </summary>
    private static string StartStep(bool scheduled, IList<V1PodCondition> conditions, V1ContainerStatus? waiting)
    {
        if (!scheduled)
        {
            return "Scheduling";
        }

        if (conditions.FirstOrDefault(c => c.Type == "PodReadyToStartContainers") is { Status: not "True" })
        {
            return "PreparingVolume";
        }

        return waiting switch
        {
            { State.Waiting.Reason: "ErrImagePull" or "ImagePullBackOff" } => "PullingImage",
            { Name: "install-agent" } => "PullingImage",
            { Name: "clone" } => "Cloning",
            { State.Running: not null } => "StartingAgent",
            { Name: "workspace" } => "PullingImage",
            _ => "StartingAgent",
        };
    }

    private async Task<ReconcileResult> FinalizeAsync(WorkspaceResource workspace, ResourceInformer<WorkspaceResource, WorkspaceResourceList> workspaces, CancellationToken cancellationToken)
    {
        if (!(workspace.Metadata.Finalizers?.Contains(WorkspaceResourceBuilder.Finalizer) ?? false))
        {
            return ReconcileResult.Done;
        }

        var ns = workspace.Metadata.NamespaceProperty;
        var child = ControllerOptions.ChildName(workspace.Metadata.Name);
        await KubernetesErrors.IgnoreNotFoundAsync(() => client.CoreV1.DeleteNamespacedPodAsync(child, ns, gracePeriodSeconds: 0, cancellationToken: cancellationToken));
        await KubernetesErrors.IgnoreNotFoundAsync(() => client.CoreV1.DeleteNamespacedServiceAsync(child, ns, cancellationToken: cancellationToken));
        await KubernetesErrors.IgnoreNotFoundAsync(() => client.CoreV1.DeleteNamespacedSecretAsync(child, ns, cancellationToken: cancellationToken));
        await KubernetesErrors.IgnoreNotFoundAsync(() => client.NetworkingV1.DeleteNamespacedNetworkPolicyAsync(child, ns, cancellationToken: cancellationToken));
        var keepVolume = workspace.Spec.Retention?.KeepVolumeOnDelete ?? false;
        if (!keepVolume)
        {
            await KubernetesErrors.IgnoreNotFoundAsync(() => client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync(child, ns, cancellationToken: cancellationToken));
        }

        await events.RecordAsync(workspace, "Normal", "Deleted", keepVolume ? $"Deleted the pod, service and secret; kept volume {child} (retention)." : "Deleted the pod, service, secret and volume.", cancellationToken);
        workspace.Metadata.Finalizers = [.. workspace.Metadata.Finalizers.Where(f => f != WorkspaceResourceBuilder.Finalizer)];
        try
        {
            workspaces.Update(await ReplaceAsync(workspace, cancellationToken));
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            // Gone already.
        }

        _childrenEnsured.TryRemove(workspace.Metadata.Name, out _);
        LogFinalized(workspace.Metadata.Name, keepVolume);
        return ReconcileResult.Done;
    }

    private async Task EnsureChildrenAsync(WorkspaceResource workspace, WorkspaceCredentials credentials, CancellationToken cancellationToken)
    {
        var marker = $"{workspace.Metadata.Uid}/{workspace.Metadata.Generation}";
        if (_childrenEnsured.TryGetValue(workspace.Metadata.Name, out var done) && done == marker)
        {
            return;
        }

        var ns = workspace.Metadata.NamespaceProperty;
        await CreateIfMissingAsync(() => client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(WorkspaceResourceBuilder.Volume(workspace, _options), ns, cancellationToken: cancellationToken));
        await CreateIfMissingAsync(() => client.CoreV1.CreateNamespacedServiceAsync(WorkspaceResourceBuilder.Service(workspace, _options), ns, cancellationToken: cancellationToken));
        await CreateIfMissingAsync(() => client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(WorkspaceResourceBuilder.NetworkPolicy(workspace, _options), ns, cancellationToken: cancellationToken));

        // The secret changes with the spec (a new Git credential, a new ref): a new generation rewrites it.
        var secret = WorkspaceResourceBuilder.Secret(workspace, _options, credentials);
        try
        {
            await client.CoreV1.CreateNamespacedSecretAsync(secret, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsConflict(e))
        {
            var existing = await client.CoreV1.ReadNamespacedSecretAsync(secret.Metadata.Name, ns, cancellationToken: cancellationToken);
            if (!SameBytes(existing.Data, secret.Data))
            {
                secret.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
                await client.CoreV1.ReplaceNamespacedSecretAsync(secret, secret.Metadata.Name, ns, cancellationToken: cancellationToken);
            }
        }

        _childrenEnsured[workspace.Metadata.Name] = marker;
    }

    private static async Task CreateIfMissingAsync<T>(Func<Task<T>> create)
    {
        try
        {
            await create();
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsConflict(e))
        {
        }
    }

    private async Task DeletePodAsync(WorkspaceResource workspace, string podName, CancellationToken cancellationToken) =>
        await KubernetesErrors.IgnoreNotFoundAsync(() => client.CoreV1.DeleteNamespacedPodAsync(
            podName, workspace.Metadata.NamespaceProperty, gracePeriodSeconds: workspace.Spec.Timeouts?.StopGraceSeconds, cancellationToken: cancellationToken));

    private async Task<WorkspaceResource> ReplaceAsync(WorkspaceResource workspace, CancellationToken cancellationToken) =>
        await client.CustomObjects.ReplaceNamespacedCustomObjectAsync<WorkspaceResource>(
            workspace, WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, workspace.Metadata.NamespaceProperty, WorkspaceResource.Plural, workspace.Metadata.Name, cancellationToken: cancellationToken);

    private TimeSpan RestartDelay(WorkspaceStatus status, DateTimeOffset now)
    {
        if (status.LastPodFailureAt is not { } failedAt || (status.Restarts ?? 0) == 0)
        {
            return TimeSpan.Zero;
        }

        // Deterministic per failure (so a re-reconcile does not move the restart), jittered across workspaces.
        var exponent = Math.Clamp(status.Restarts.GetValueOrDefault() - 1, 0, 20);
        var raw = Math.Min(_options.BaseBackoff.TotalMilliseconds * Math.Pow(2, exponent), _options.MaxBackoff.TotalMilliseconds);
        var jitter = 1 + ((failedAt.UtcTicks % 1000) / 2000.0);
        var due = failedAt + TimeSpan.FromMilliseconds(raw * jitter);
        return due > now ? due - now : TimeSpan.Zero;
    }

    private static void SetReadyCondition(WorkspaceResource workspace, WorkspaceStatus status, DateTime now)
    {
        var ready = status.Phase == WorkspaceStatusPhase.Running;
        var conditionStatus = ready ? "True" : "False";
        var reason = status.Phase ?? WorkspaceStatusPhase.Pending;
        var conditions = status.Conditions ??= [];
        var existing = conditions.FirstOrDefault(c => c.Type == "Ready");
        if (existing is not null && existing.Status == conditionStatus && existing.Reason == reason && existing.ObservedGeneration == workspace.Metadata.Generation)
        {
            existing.Message = status.Message ?? "";
            return;
        }

        conditions.Remove(existing!);
        conditions.Add(new V1Condition
        {
            Type = "Ready",
            Status = conditionStatus,
            Reason = reason,
            Message = status.Message ?? "",
            ObservedGeneration = workspace.Metadata.Generation,
            LastTransitionTime = existing?.Status == conditionStatus ? existing.LastTransitionTime : now,
        });
    }

    private static DateTimeOffset? ConditionTime(IEnumerable<V1PodCondition> conditions, string type) =>
        conditions.FirstOrDefault(c => c.Type == type && c.Status == "True")?.LastTransitionTime is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    private static string ExitDetail(V1Pod pod)
    {
        var terminated = pod.Status?.ContainerStatuses?.FirstOrDefault(s => s.Name == "workspace")?.State?.Terminated;
        if (terminated is null)
        {
            return pod.Status?.Reason ?? "pod ended";
        }

        var text = $"exit code {terminated.ExitCode.ToString(CultureInfo.InvariantCulture)}";
        if (!string.IsNullOrEmpty(terminated.Reason))
        {
            text += $", {terminated.Reason}";
        }

        return string.IsNullOrEmpty(terminated.Message) ? text : $"{text}: {terminated.Message}";
    }

    private static WorkspaceStatus? Clone(WorkspaceStatus? status) =>
        status is null ? null : KubernetesJson.Deserialize<WorkspaceStatus>(KubernetesJson.Serialize(status));

    private static bool SameJson(WorkspaceStatus a, WorkspaceStatus? b) => b is not null && KubernetesJson.Serialize(a) == KubernetesJson.Serialize(b);

    private static bool SameBytes(IDictionary<string, byte[]>? a, IDictionary<string, byte[]>? b) =>
        a is not null && b is not null && a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var other) && other.AsSpan().SequenceEqual(kv.Value));

    [LoggerMessage(Level = LogLevel.Information, Message = "Created pod {PodName}")]
    private partial void LogPodCreated(string podName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pod {PodName} ended ({Reason}); restart {Restarts}")]
    private partial void LogPodEnded(string podName, string reason, int restarts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {WorkspaceName} finalized (volume kept: {KeepVolume})")]
    private partial void LogFinalized(string workspaceName, bool keepVolume);
}
