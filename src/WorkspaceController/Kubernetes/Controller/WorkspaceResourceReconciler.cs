using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workspaces.WorkspaceController.ClusterAccess;
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
    ClusterAccessReconciler clusterAccess,
    TimeProvider timeProvider,
    ILogger<WorkspaceResourceReconciler> logger)
{
    private readonly ControllerOptions _options = options.Value;
    private static readonly TimeSpan NodeLostMargin = TimeSpan.FromSeconds(60);
    private readonly SealedCredentials _sealed = new(options.Value.CredentialKey);

    /// <summary>Since when (the controller's clock) a pod on a lost node has been terminating, by pod uid.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _terminatingSince = new(StringComparer.Ordinal);

    /// <summary>
    /// Which uid/generation has had its volume, secret, service and policy verified, and when: verified again after
    /// <see cref="ControllerOptions.ResyncPeriod"/>, or at once when a watch saw a child change (<see cref="ForgetChildren"/>).
    /// </summary>
    private readonly ConcurrentDictionary<string, (string Marker, DateTimeOffset At)> _childrenEnsured = new(StringComparer.Ordinal);

    /// <summary>A child of the workspace changed or vanished behind the controller's back: verify all of them on the next pass.</summary>
    public void ForgetChildren(string workspaceName)
    {
        _childrenEnsured.TryRemove(workspaceName, out _);
        clusterAccess.Forget(workspaceName);
    }

    public async Task<ReconcileResult> ReconcileAsync(
        string name,
        ResourceInformer<WorkspaceResource, WorkspaceResourceList> workspaces,
        ResourceInformer<V1Pod, V1PodList> pods,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspaces);
        ArgumentNullException.ThrowIfNull(pods);
        var cached = workspaces.Get(name);
        if (cached is null)
        {
            _childrenEnsured.TryRemove(name, out _);
            return ReconcileResult.Done;
        }

        // A copy: the pass changes it before writing, and a failed write must not leave the change in the cache.
        var workspace = KubernetesJson.Deserialize<WorkspaceResource>(KubernetesJson.Serialize(cached));

        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            ["Namespace"] = workspace.Metadata.NamespaceProperty,
            ["WorkspaceName"] = name,
            ["Uid"] = workspace.Metadata.Uid,
        });

        if (workspace.Metadata.DeletionTimestamp is not null)
        {
            return await FinalizeAsync(workspace, workspaces, pods, cancellationToken);
        }

        if (!(workspace.Metadata.Finalizers?.Contains(WorkspaceResourceBuilder.Finalizer) ?? false))
        {
            workspace.Metadata.Finalizers = [.. workspace.Metadata.Finalizers ?? [], WorkspaceResourceBuilder.Finalizer];
            workspace = await ReplaceAsync(workspace, cancellationToken);
            workspaces.Update(workspace);
        }

        var status = Clone(workspace.Status) ?? new WorkspaceStatus();
        var pass = new PassNotes();
        var result = await ConvergeAsync(workspace, status, pods, pass, cancellationToken);
        if (pass.RenewAfter is { } renew && (result.RequeueAfter is null || renew < result.RequeueAfter))
        {
            result = ReconcileResult.After(renew);
        }

        if (status.Phase == WorkspaceStatusPhase.Running && workspace.Status?.Phase != WorkspaceStatusPhase.Running)
        {
            var took = status.Timings is { ReadyAt: { } ready, PodCreatedAt: { } created } ? $" in {(ready - created).TotalSeconds:0.0} s" : "";
            await events.RecordAsync(workspace, "Normal", "Running", $"The workspace is ready{took}: {status.AgentUrl}", cancellationToken);
        }

        await WriteStatusAsync(workspace, status, cancellationToken);
        workspaces.Update(workspace);
        return result;
    }

    /// <summary>Writes the status if it changed; <paramref name="workspace"/> then holds what the API server returned.</summary>
    private async Task WriteStatusAsync(WorkspaceResource workspace, WorkspaceStatus status, CancellationToken cancellationToken)
    {
        status.ObservedGeneration = workspace.Metadata.Generation;
        status.Host = WorkspaceResourceBuilder.Host(workspace, _options);
        SetReadyCondition(workspace, status, timeProvider.GetUtcNow().UtcDateTime);
        if (SameJson(status, workspace.Status))
        {
            return;
        }

        workspace.Status = Clone(status);
        var updated = await client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<WorkspaceResource>(
            workspace, WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, workspace.Metadata.NamespaceProperty, WorkspaceResource.Plural, workspace.Metadata.Name, cancellationToken: cancellationToken);
        workspace.Metadata = updated.Metadata;
        workspace.Status = updated.Status;
    }

    /// <summary>What a pass learned besides its result: when the cluster-access token wants renewing.</summary>
    private sealed class PassNotes
    {
        public TimeSpan? RenewAfter { get; set; }
    }

    private async Task<ReconcileResult> ConvergeAsync(WorkspaceResource workspace, WorkspaceStatus status, ResourceInformer<V1Pod, V1PodList> pods, PassNotes pass, CancellationToken cancellationToken)
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

        var podName = ControllerOptions.ChildName(workspace.Metadata.Name);
        var pod = pods.Get(podName);
        var now = timeProvider.GetUtcNow();
        var secret = WorkspaceResourceBuilder.Secret(workspace, _options, credentials);
        var children = await EnsureChildrenAsync(workspace, secret, now, cancellationToken);
        if (children.Problem is null && !children.Retry)
        {
            if (workspace.Spec.ClusterAccess is null)
            {
                status.ClusterAccess = null;
            }
            else
            {
                // Before the pod: it mounts the kubeconfig secret this makes.
                // A token only while the workspace should run and has not failed: a failed workspace has no pod to use one.
                var running = workspace.Spec.DesiredState == DesiredWorkspaceState.Running
                    && (status.Phase != WorkspaceStatusPhase.Failed || status.ObservedGeneration != workspace.Metadata.Generation);
                var access = await clusterAccess.EnsureAsync(workspace, status, running, cancellationToken);
                children = new ChildrenResult(access.Problem, access.Reason, access.Retry);
                pass.RenewAfter = access.RenewAfter;
            }
        }

        if (children.Problem is { } problem)
        {
            if (status.Phase != WorkspaceStatusPhase.Failed || status.Message != problem)
            {
                await events.RecordAsync(workspace, "Warning", children.Reason!, problem, cancellationToken);
            }

            // No pod runs without its own policy, secret and service.
            if (pod is not null && pod.Metadata.DeletionTimestamp is null)
            {
                await DeletePodAsync(workspace, podName, cancellationToken);
            }

            status.Phase = WorkspaceStatusPhase.Failed;
            status.Message = problem;
            status.AgentUrl = null;
            return ReconcileResult.Done;
        }

        if (children.Retry)
        {
            return ReconcileResult.After(TimeSpan.FromSeconds(1));
        }

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
            ResetFailures(status);
            return ReconcileResult.Done;
        }

        if (status.Phase == WorkspaceStatusPhase.Failed && status.ObservedGeneration != workspace.Metadata.Generation)
        {
            // A new request (the user's retry) after a failure: start over with a fresh pod and no back-off.
            status.Phase = WorkspaceStatusPhase.Starting;
            status.StartStep = null;
            status.Message = null;
            ResetFailures(status);
            if (pod is not null)
            {
                if (pod.Metadata.DeletionTimestamp is null)
                {
                    await DeletePodAsync(workspace, podName, cancellationToken);
                }

                return ReconcileResult.Done;
            }
        }
        else if (status.Phase == WorkspaceStatusPhase.Failed)
        {
            // Failed stays failed, with no pod, until the spec changes (a retry): nothing keeps running or restarting.
            if (pod is not null && pod.Metadata.DeletionTimestamp is null)
            {
                await DeletePodAsync(workspace, podName, cancellationToken);
            }

            status.AgentUrl = null;
            status.PodIP = null;
            return ReconcileResult.Done;
        }

        var desiredPod = WorkspaceResourceBuilder.Pod(workspace, _options);
        var configHash = ConfigHash(desiredPod, secret);
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
                ResetFailures(status);
            }

            desiredPod.Metadata.Annotations[WorkspaceResourceBuilder.ConfigHashAnnotation] = configHash;
            try
            {
                pod = await client.CoreV1.CreateNamespacedPodAsync(desiredPod, workspace.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
                LogPodCreated(podName);
                await events.RecordAsync(workspace, "Normal", "Starting", $"Created pod {podName}.", cancellationToken);
            }
            catch (HttpOperationException e) when (KubernetesErrors.IsConflict(e))
            {
                // Created by an earlier pass whose watch event has not arrived yet.
                return ReconcileResult.After(TimeSpan.FromSeconds(1));
            }
            catch (HttpOperationException e) when (KubernetesErrors.IsInvalid(e))
            {
                return await RefusedAsync(workspace, status, "Pod", podName, e, cancellationToken);
            }

            status.Phase = WorkspaceStatusPhase.Starting;
            status.StartStep = "Scheduling";
            status.Message = null;
            status.RestartPending = null;
            status.PodName = podName;
            status.PodIP = null;
            status.AgentUrl = null;
            // The controller's own clock: the start deadline is measured against it, never against the API server's.
            status.Timings = new WorkspaceTimings { PodCreatedAt = now };
            return ReconcileResult.Done;
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            // The old pod is going; its DELETED event brings the workspace back here.
            status.Phase = WorkspaceStatusPhase.Starting;
            status.AgentUrl = null;
            return await TerminatingAsync(workspace, status, pod, now, cancellationToken);
        }

        if (pod.Status?.Phase is "Failed" && FailedInit(pod) is { } init)
        {
            return await CloneFailedAsync(workspace, status, pod, init, cancellationToken);
        }

        if (pod.Status?.Phase is "Failed" or "Succeeded")
        {
            return await PodEndedAsync(workspace, status, pod, now, cancellationToken);
        }

        var podHash = pod.Metadata.Annotations?.TryGetValue(WorkspaceResourceBuilder.ConfigHashAnnotation, out var h) == true ? h : null;
        var specChanged = podHash is not null && podHash != configHash;
        ObservePod(workspace, pod, status, now);
        if (specChanged && status.Timings?.ReadyAt is null)
        {
            // Nothing of the user's runs yet: the pod is replaced with one built from the new spec.
            await DeletePodAsync(workspace, podName, cancellationToken);
            status.Phase = WorkspaceStatusPhase.Starting;
            status.Message = "The spec changed while the workspace started: replacing the pod.";
            return ReconcileResult.Done;
        }

        // A running pod is never rolled under the user: the change waits for the next start, and the status says so.
        status.RestartPending = specChanged ? true : null;
        if (specChanged && status.Phase == WorkspaceStatusPhase.Running)
        {
            status.Message ??= "The spec changed (image, class, repository, variables or credentials): the change applies at the next restart.";
        }

        if (status.Phase != WorkspaceStatusPhase.Running)
        {
            var created = status.Timings?.PodCreatedAt ?? now;
            var timeout = workspace.Spec.Timeouts?.StartSeconds is { } s ? TimeSpan.FromSeconds(s) : _options.StartTimeout;
            if (now - created > timeout)
            {
                var step = status.StartStep;
                status.Phase = WorkspaceStatusPhase.Failed;
                status.Message = $"The workspace did not become ready within {timeout.TotalSeconds:0} seconds (stuck at {step}). {status.Message}".Trim();
                status.AgentUrl = null;
                await events.RecordAsync(workspace, "Warning", "StartTimeout", $"The workspace did not become ready within {timeout.TotalSeconds:0} s (last step: {step}); its pod is deleted.", cancellationToken);
                await DeletePodAsync(workspace, podName, cancellationToken);
                return ReconcileResult.Done;
            }

            return ReconcileResult.After(created + timeout - now);
        }

        return ReconcileResult.Done;
    }

    /// <summary>
    /// The pod ended while the workspace should run (crash, eviction, the liveness probe). The failure is counted in the
    /// status before the pod goes, so a 409 on that write leaves the pod for the next pass to count (once: by its uid).
    /// </summary>
    private async Task<ReconcileResult> PodEndedAsync(WorkspaceResource workspace, WorkspaceStatus status, V1Pod pod, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var podName = pod.Metadata.Name;
        var evicted = pod.Status.Reason == "Evicted";
        if (status.LastFailedPodUid != pod.Metadata.Uid)
        {
            var reason = evicted ? "Evicted" : "AgentExited";
            var detail = evicted ? pod.Status.Message : ExitDetail(pod);
            if (status.FirstPodFailureAt is not { } first || now - first > _options.CrashLoopWindow)
            {
                status.FirstPodFailureAt = now;
                status.Restarts = 0;
            }

            status.Restarts = (status.Restarts ?? 0) + 1;
            status.LastPodFailureAt = now;
            status.LastFailedPodUid = pod.Metadata.Uid;
            status.StartStep = null;
            status.AgentUrl = null;
            status.PodIP = null;
            status.RestartPending = null;
            if (status.Restarts >= _options.CrashLoopLimit)
            {
                reason = "CrashLoop";
                status.Phase = WorkspaceStatusPhase.Failed;
                status.Message = $"The workspace stopped unexpectedly {status.Restarts} times in {FormatWindow(_options.CrashLoopWindow)} (last: {detail}), so it is not restarted again. Look at the task logs, then start it again; files are kept.";
            }
            else
            {
                status.Phase = WorkspaceStatusPhase.Starting;
                status.Message = evicted ? $"The pod was evicted ({detail}); starting a new one. Files are kept." : $"The workspace agent stopped unexpectedly ({detail}); starting it again. Files are kept.";
            }

            await WriteStatusAsync(workspace, status, cancellationToken);
            await events.RecordAsync(workspace, "Warning", reason, status.Message, cancellationToken);
            LogPodEnded(podName, reason, status.Restarts.Value);
        }

        await DeletePodAsync(workspace, podName, cancellationToken);
        return status.Phase == WorkspaceStatusPhase.Failed ? ReconcileResult.Done : ReconcileResult.After(RestartDelay(status, now));
    }

    /// <summary>
    /// A terminating pod whose node is gone (Ready Unknown) never finishes terminating: no kubelet runs its shutdown. After
    /// its grace period and a margin the controller force-deletes it, as an operator would, so the workspace can run again.
    /// </summary>
    private async Task<ReconcileResult> TerminatingAsync(WorkspaceResource workspace, WorkspaceStatus status, V1Pod pod, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nodeLost = pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "Unknown") == true;
        if (!nodeLost)
        {
            _terminatingSince.TryRemove(pod.Metadata.Uid, out _);
            return ReconcileResult.Done;
        }

        var since = _terminatingSince.GetOrAdd(pod.Metadata.Uid, now);
        var due = since + TimeSpan.FromSeconds(pod.Metadata.DeletionGracePeriodSeconds ?? 30) + NodeLostMargin;
        status.Message = "The pod's node is not responding; a new pod starts once the old one is confirmed gone. Files are kept.";
        if (now < due)
        {
            return ReconcileResult.After(due - now);
        }

        _terminatingSince.TryRemove(pod.Metadata.Uid, out _);
        await KubernetesErrors.IgnoreNotFoundAsync(() => client.CoreV1.DeleteNamespacedPodAsync(
            pod.Metadata.Name, workspace.Metadata.NamespaceProperty, gracePeriodSeconds: 0, cancellationToken: cancellationToken));
        await events.RecordAsync(workspace, "Warning", "NodeLost", $"Force-deleted pod {pod.Metadata.Name}: its node stopped responding.", cancellationToken);
        return ReconcileResult.Done;
    }

    /// <summary>An init container that exited non-zero (the clone, usually): its termination message says why.</summary>
    private static V1ContainerStatus? FailedInit(V1Pod pod) =>
        pod.Status?.InitContainerStatuses?.FirstOrDefault(s => s.State?.Terminated is { ExitCode: not 0 });

    /// <summary>
    /// A failed clone (a wrong URL, missing credentials, no network to the Git host) fails the same way on every retry:
    /// the workspace fails at once with the clone's own words, which the start screen shows, and keeps no pod.
    /// </summary>
    private async Task<ReconcileResult> CloneFailedAsync(WorkspaceResource workspace, WorkspaceStatus status, V1Pod pod, V1ContainerStatus init, CancellationToken cancellationToken)
    {
        var terminated = init.State.Terminated;
        var words = string.IsNullOrWhiteSpace(terminated.Message) ? $"exit code {terminated.ExitCode.ToString(CultureInfo.InvariantCulture)}" : terminated.Message.Trim();
        status.Phase = WorkspaceStatusPhase.Failed;
        status.StartStep = init.Name == "clone" ? "Cloning" : "PullingImage";
        status.AgentUrl = null;
        status.PodIP = null;
        status.Message = init.Name == "clone"
            ? $"Cloning the repository failed: {words}. Check the repository URL and your Git credentials, then start the workspace again."
            : $"The {init.Name} init container failed: {words}.";
        await WriteStatusAsync(workspace, status, cancellationToken);
        await events.RecordAsync(workspace, "Warning", init.Name == "clone" ? "CloneFailed" : "InitFailed", status.Message, cancellationToken);
        await DeletePodAsync(workspace, pod.Metadata.Name, cancellationToken);
        return ReconcileResult.Done;
    }

    private async Task<ReconcileResult> RefusedAsync(WorkspaceResource workspace, WorkspaceStatus status, string kind, string name, HttpOperationException e, CancellationToken cancellationToken)
    {
        status.Phase = WorkspaceStatusPhase.Failed;
        status.Message = $"Kubernetes refused the workspace's {kind} {name} (422): {KubernetesErrors.Message(e)}";
        await events.RecordAsync(workspace, "Warning", "Invalid", status.Message, cancellationToken);
        return ReconcileResult.Done;
    }

    private static void ResetFailures(WorkspaceStatus status)
    {
        status.Restarts = null;
        status.LastPodFailureAt = null;
        status.FirstPodFailureAt = null;
        status.LastFailedPodUid = null;
        status.RestartPending = null;
    }

    private static string FormatWindow(TimeSpan window) =>
        window.TotalMinutes >= 1 ? $"{window.TotalMinutes:0.#} minutes" : $"{window.TotalSeconds:0} seconds";

    /// <summary>What the pod was built from (its spec and its bootstrap secret): a pod whose hash differs runs an older spec.</summary>
    private static string ConfigHash(V1Pod pod, V1Secret secret)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes(KubernetesJson.Serialize(pod.Spec)));
        foreach (var (key, value) in secret.Data.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(key));
            sha.AppendData(value);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
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
        var running = pod.Status?.Phase == "Running" && main?.State?.Running is not null;
        var podReady = conditions.FirstOrDefault(c => c.Type == "Ready")?.Status;
        var ready = running && main?.Ready == true && podReady is null or "True";
        if (ready || (running && timings.ReadyAt is not null))
        {
            timings.ReadyAt ??= ConditionTime(conditions, "Ready") ?? now;
            status.Phase = WorkspaceStatusPhase.Running;
            status.StartStep = null;
            // Once ready, a failing readiness probe (missed probes under CPU throttling, a busy agent) is a blip, not a
            // failed start: the pod and the user's processes stay. The liveness probe decides when the agent is dead.
            status.Message = ready ? null : "The agent is not answering its readiness probe; the pod keeps running (its liveness probe ends it if the agent is dead).";
            status.AgentUrl = $"http://{WorkspaceResourceBuilder.Host(workspace, _options)}:{_options.AgentPort}";
            return;
        }

        status.Phase = WorkspaceStatusPhase.Starting;
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

    private async Task<ReconcileResult> FinalizeAsync(WorkspaceResource workspace, ResourceInformer<WorkspaceResource, WorkspaceResourceList> workspaces, ResourceInformer<V1Pod, V1PodList> pods, CancellationToken cancellationToken)
    {
        if (!(workspace.Metadata.Finalizers?.Contains(WorkspaceResourceBuilder.Finalizer) ?? false))
        {
            return ReconcileResult.Done;
        }

        var ns = workspace.Metadata.NamespaceProperty;
        var child = ControllerOptions.ChildName(workspace.Metadata.Name);

        // The pod first, gracefully (the agent stops its tasks), and nothing else until it is gone: its containers keep
        // running until then, and they must stay behind their NetworkPolicy. The pod's DELETED event comes back here.
        if (pods.Get(child) is { } pod)
        {
            if (pod.Metadata.DeletionTimestamp is null)
            {
                await DeletePodAsync(workspace, child, cancellationToken);
            }

            return ReconcileResult.After(TimeSpan.FromSeconds(5));
        }

        if (workspace.Spec.ClusterAccess is not null)
        {
            // The development namespace before the workspace's own policy: what runs there is gone before the policy goes.
            var status = Clone(workspace.Status) ?? new WorkspaceStatus();
            var (gone, retryAfter) = await clusterAccess.FinalizeAsync(workspace, status, cancellationToken);
            if (!gone)
            {
                status.Phase = WorkspaceStatusPhase.Deleting;
                status.Message = status.ClusterAccess?.Message;
                await WriteStatusAsync(workspace, status, cancellationToken);
                workspaces.Update(workspace);
                return ReconcileResult.After(retryAfter);
            }
        }

        await KubernetesErrors.IgnoreNotFoundAsync(() => client.CoreV1.DeleteNamespacedServiceAsync(child, ns, cancellationToken: cancellationToken));
        await KubernetesErrors.IgnoreNotFoundAsync(() => client.CoreV1.DeleteNamespacedSecretAsync(child, ns, cancellationToken: cancellationToken));
        var keepVolume = workspace.Spec.Retention?.KeepVolumeOnDelete ?? false;
        if (!keepVolume)
        {
            await KubernetesErrors.IgnoreNotFoundAsync(() => client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync(child, ns, cancellationToken: cancellationToken));
        }

        // The policy last: it is what keeps anything still running of the workspace away from the cluster.
        await KubernetesErrors.IgnoreNotFoundAsync(() => client.NetworkingV1.DeleteNamespacedNetworkPolicyAsync(child, ns, cancellationToken: cancellationToken));
        await events.RecordAsync(workspace, "Normal", "Deleted", keepVolume ? $"Deleted the pod, service, secret and policy; kept volume {child} (retention)." : "Deleted the pod, service, secret, volume and policy.", cancellationToken);
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

    /// <summary>What verifying the children found: a child that is not ours (the workspace fails), or one to wait for.</summary>
    private readonly record struct ChildrenResult(string? Problem = null, string? Reason = null, bool Retry = false);

    /// <summary>
    /// Reads each child and creates what is missing; verified again every resync, so a deleted NetworkPolicy or Secret
    /// comes back. An object of the same name that this Workspace does not own is never adopted.
    /// </summary>
    private async Task<ChildrenResult> EnsureChildrenAsync(WorkspaceResource workspace, V1Secret secret, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var marker = $"{workspace.Metadata.Uid}/{workspace.Metadata.Generation}";
        if (_childrenEnsured.TryGetValue(workspace.Metadata.Name, out var done) && done.Marker == marker && now - done.At < _options.ResyncPeriod)
        {
            return default;
        }

        var ns = workspace.Metadata.NamespaceProperty;
        var volume = WorkspaceResourceBuilder.Volume(workspace, _options);
        var service = WorkspaceResourceBuilder.Service(workspace, _options);
        var policy = WorkspaceResourceBuilder.NetworkPolicy(workspace, _options);
        var steps = new Func<Task<ChildrenResult>>[]
        {
            // The policy first: nothing of the workspace may run before it is in place.
            () => EnsureAsync(workspace, "NetworkPolicy", policy,
                ct => client.NetworkingV1.ReadNamespacedNetworkPolicyAsync(policy.Metadata.Name, ns, cancellationToken: ct),
                ct => client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(policy, ns, cancellationToken: ct),
                (existing, ct) => KubernetesJson.Serialize(existing.Spec) == KubernetesJson.Serialize(policy.Spec) ? Task.CompletedTask
                    : client.NetworkingV1.ReplaceNamespacedNetworkPolicyAsync(WithVersion(policy, existing), policy.Metadata.Name, ns, cancellationToken: ct),
                cancellationToken),
            () => EnsureAsync(workspace, "PersistentVolumeClaim", volume,
                ct => client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(volume.Metadata.Name, ns, cancellationToken: ct),
                ct => client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(volume, ns, cancellationToken: ct),
                null,
                cancellationToken),
            () => EnsureAsync(workspace, "Service", service,
                ct => client.CoreV1.ReadNamespacedServiceAsync(service.Metadata.Name, ns, cancellationToken: ct),
                ct => client.CoreV1.CreateNamespacedServiceAsync(service, ns, cancellationToken: ct),
                null,
                cancellationToken),
            // The secret changes with the spec (a new Git credential, a new ref): rewritten when its data differs.
            () => EnsureAsync(workspace, "Secret", secret,
                ct => client.CoreV1.ReadNamespacedSecretAsync(secret.Metadata.Name, ns, cancellationToken: ct),
                ct => client.CoreV1.CreateNamespacedSecretAsync(secret, ns, cancellationToken: ct),
                (existing, ct) => SameBytes(existing.Data, secret.Data) ? Task.CompletedTask
                    : client.CoreV1.ReplaceNamespacedSecretAsync(WithVersion(secret, existing), secret.Metadata.Name, ns, cancellationToken: ct),
                cancellationToken),
        };
        foreach (var step in steps)
        {
            var result = await step();
            if (result.Problem is not null || result.Retry)
            {
                _childrenEnsured.TryRemove(workspace.Metadata.Name, out _);
                return result;
            }
        }

        _childrenEnsured[workspace.Metadata.Name] = (marker, now);
        return default;
    }

    private async Task<ChildrenResult> EnsureAsync<T>(
        WorkspaceResource workspace,
        string kind,
        T desired,
        Func<CancellationToken, Task<T>> read,
        Func<CancellationToken, Task<T>> create,
        Func<T, CancellationToken, Task>? update,
        CancellationToken cancellationToken)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var name = desired.Metadata.Name;
        T existing;
        try
        {
            existing = await read(cancellationToken);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            try
            {
                await create(cancellationToken);
                return default;
            }
            catch (HttpOperationException conflict) when (KubernetesErrors.IsConflict(conflict))
            {
                // Created meanwhile (by whom is checked on the next pass).
                return new ChildrenResult(Retry: true);
            }
            catch (HttpOperationException invalid) when (KubernetesErrors.IsInvalid(invalid))
            {
                return new ChildrenResult($"Kubernetes refused the workspace's {kind} {name} (422): {KubernetesErrors.Message(invalid)}", "Invalid");
            }
        }

        switch (Ownership(workspace, existing.Metadata))
        {
            case Owner.This:
                if (update is not null)
                {
                    await update(existing, cancellationToken);
                }

                return default;
            case Owner.EarlierWorkspaceOfTheSameName:
                // Left by a deleted Workspace of the same name whose cleanup has not finished: remove it, then create ours.
                LogStaleChild(kind, name);
                await KubernetesErrors.IgnoreNotFoundAsync(() => DeleteAsync(kind, name, workspace.Metadata.NamespaceProperty, cancellationToken));
                return new ChildrenResult(Retry: true);
            default:
                return new ChildrenResult(
                    $"A {kind} named {name} already exists and does not belong to this Workspace; delete or rename it, then start the workspace again.",
                    "ChildConflict");
        }
    }

    private enum Owner
    {
        This,
        EarlierWorkspaceOfTheSameName,
        Other,
    }

    private static Owner Ownership(WorkspaceResource workspace, V1ObjectMeta metadata)
    {
        var owner = metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        if (owner is not null)
        {
            if (owner.Kind != WorkspaceResource.KindName || owner.Name != workspace.Metadata.Name || !owner.ApiVersion.StartsWith(WorkspaceResource.ApiGroup + "/", StringComparison.Ordinal))
            {
                return Owner.Other;
            }

            return owner.Uid == workspace.Metadata.Uid ? Owner.This : Owner.EarlierWorkspaceOfTheSameName;
        }

        // The volume has no owner reference (retention is the finalizer's call): ours by the controller's labels, which
        // is also how a kept volume is reused by a new Workspace of the same name.
        var labels = metadata.Labels;
        return labels is not null
            && labels.TryGetValue(WorkspaceResourceBuilder.ManagedByLabel, out var by) && by == WorkspaceResourceBuilder.ManagedBy
            && labels.TryGetValue(WorkspaceResourceBuilder.WorkspaceLabel, out var of) && of == workspace.Metadata.Name
            && metadata.OwnerReferences is not { Count: > 0 }
            ? Owner.This
            : Owner.Other;
    }

    private Task DeleteAsync(string kind, string name, string ns, CancellationToken cancellationToken) => kind switch
    {
        "NetworkPolicy" => client.NetworkingV1.DeleteNamespacedNetworkPolicyAsync(name, ns, cancellationToken: cancellationToken),
        "Service" => client.CoreV1.DeleteNamespacedServiceAsync(name, ns, cancellationToken: cancellationToken),
        "Secret" => client.CoreV1.DeleteNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken),
        _ => client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync(name, ns, cancellationToken: cancellationToken),
    };

    private static T WithVersion<T>(T desired, T existing)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        desired.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
        return desired;
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting {Kind} {Name}, left by an earlier Workspace of the same name")]
    private partial void LogStaleChild(string kind, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {WorkspaceName} finalized (volume kept: {KeepVolume})")]
    private partial void LogFinalized(string workspaceName, bool keepVolume);
}
