using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workspaces.Shared.Reconciliation;
using Workspaces.WorkspaceController.ClusterAccess;
using Workspaces.WorkspaceController.Kubernetes.Resources;

namespace Workspaces.WorkspaceController.Kubernetes.Controller;

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
    private readonly SealedCredentials _sealed = new(options.Value.CredentialKey);
    private readonly WorkspaceDecider _decider = new(options.Value);

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

        var pass = new PassNotes();
        var (result, status) = await ConvergeAsync(workspace, Clone(workspace.Status) ?? new WorkspaceStatus(), pods, pass, cancellationToken);
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

    private async Task<(ReconcileResult Result, WorkspaceStatus Status)> ConvergeAsync(WorkspaceResource workspace, WorkspaceStatus status, ResourceInformer<V1Pod, V1PodList> pods, PassNotes pass, CancellationToken cancellationToken)
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
            return (ReconcileResult.Done, status);
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
                var running = workspace.Spec.DesiredState == DesiredState.Running
                    && (status.Phase != WorkspaceStatusPhase.Failed || status.ObservedGeneration != workspace.Metadata.Generation);
                var access = await clusterAccess.EnsureAsync(workspace, status, running, cancellationToken);
                children = new ChildrenResult(access.Problem, access.Reason, access.Retry);
                pass.RenewAfter = access.RenewAfter;
            }
        }

        if (children.Retry && children.Problem is null)
        {
            return (ReconcileResult.After(TimeSpan.FromSeconds(1)), status);
        }

        var desiredPod = WorkspaceResourceBuilder.Pod(workspace, _options);
        var configHash = ConfigHash(desiredPod, WorkspaceResourceBuilder.Secret(workspace, _options, credentials, withTelemetry: false));
        var decision = _decider.Decide(new WorkspaceObservation(workspace, status, pod, now)
        {
            ConfigHash = configHash,
            ChildrenProblem = children.Problem is { } problem ? new ChildrenProblem(children.Reason!, problem) : null,
            NodeLostSince = pod is not null && _terminatingSince.TryGetValue(pod.Metadata.Uid, out var since) ? since : null,
        });
        if (pod?.Metadata.DeletionTimestamp is not null)
        {
            if (decision.NodeLostSince is { } lostSince)
            {
                _terminatingSince[pod.Metadata.Uid] = lostSince;
            }
            else
            {
                _terminatingSince.TryRemove(pod.Metadata.Uid, out _);
            }
        }

        desiredPod.Metadata.Annotations[WorkspaceResourceBuilder.ConfigHashAnnotation] = configHash;
        return (await CarryOutAsync(workspace, decision.Status, decision, desiredPod, now, cancellationToken), decision.Status);
    }

    /// <summary>Carries out a decision's actions in order; <paramref name="status"/> is what gets written.</summary>
    private async Task<ReconcileResult> CarryOutAsync(WorkspaceResource workspace, WorkspaceStatus status, WorkspaceDecision decision, V1Pod desiredPod, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var action in decision.Actions)
        {
            switch (action)
            {
                case CreatePod create:
                    try
                    {
                        await client.CoreV1.CreateNamespacedPodAsync(desiredPod, workspace.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
                        LogPodCreated(create.Name);
                        await events.RecordAsync(workspace, "Normal", "Starting", $"Created pod {create.Name}.", cancellationToken);
                    }
                    catch (HttpOperationException e) when (KubernetesErrors.IsConflict(e))
                    {
                        // Created by an earlier pass whose watch event has not arrived yet.
                        return ReconcileResult.After(TimeSpan.FromSeconds(1));
                    }
                    catch (HttpOperationException e) when (KubernetesErrors.IsInvalid(e))
                    {
                        WorkspaceDecider.Refused(status, "Pod", create.Name, KubernetesErrors.Message(e));
                        await events.RecordAsync(workspace, "Warning", "Invalid", status.Message!, cancellationToken);
                        return ReconcileResult.Done;
                    }

                    WorkspaceDecider.PodCreated(status, create.Name, now);
                    break;
                case DeletePod delete:
                    await DeletePodAsync(workspace, delete.Name, cancellationToken);
                    break;
                case ForceDeletePod delete:
                    await KubernetesErrors.IgnoreNotFoundAsync(() => client.CoreV1.DeleteNamespacedPodAsync(
                        delete.Name, workspace.Metadata.NamespaceProperty, gracePeriodSeconds: 0, cancellationToken: cancellationToken));
                    break;
                case RecordEvent recorded:
                    await events.RecordAsync(workspace, recorded.Type, recorded.Reason, recorded.Message, cancellationToken);
                    break;
                case WriteStatus:
                    await WriteStatusAsync(workspace, status, cancellationToken);
                    break;
                case NotePodEnded ended:
                    LogPodEnded(ended.PodName, ended.Reason, ended.Restarts);
                    break;
                default:
                    throw new InvalidOperationException($"No step carries out {action.GetType().Name}.");
            }
        }

        return decision.Result;
    }

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
