using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Controller;

namespace Workspaces.WorkspaceController.ClusterAccess;

/// <summary>
/// A project's "scale to zero on stop": when the workspace stops, each Deployment of its development namespace that runs
/// replicas gets them recorded in an annotation and is scaled to zero through the scale subresource; when it starts,
/// each annotated Deployment still at zero is scaled back and loses the annotation. One pass per stop and one per start
/// (<see cref="WorkspaceClusterAccessStatus.ScaledToZero"/> says which is due; with the setting on, the first pass after
/// a start or a controller restart looks for annotations even when the status lost the flag), so a Deployment created or scaled by hand
/// while the workspace is stopped is left as that person made it; one whose replicas were changed by hand keeps them.
/// A failure never holds up the workspace's own stop or start: it is said in the Workspace's events and tried again.
/// </summary>
public sealed partial class DeploymentScaler(IKubernetes client, EventRecorder events, ILogger<DeploymentScaler> logger)
{
    public const string ReplicasAnnotation = "workspaces.dev/replicas-before-stop";

    /// <summary>How soon a pass that lost a race with someone's change is tried again, the first time (doubling after).</summary>
    public static readonly TimeSpan RetryAfterConflict = TimeSpan.FromSeconds(1);

    /// <summary>How soon a pass that failed otherwise (no rights, the API server's error) is tried again, the first time (doubling after).</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait between two passes of a lasting failure: a missing right is re-listed every 5 minutes, not every 30 s.</summary>
    public static readonly TimeSpan LongestRetry = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often one Deployment is read again and written again within a pass when it changed between the read and the
    /// write: a rollout's status writes bump its resourceVersion every few hundred milliseconds, and the pass should not
    /// wait a whole retry for each of them.
    /// </summary>
    public const int ConflictRetriesPerDeployment = 5;

    /// <summary>The last failure said per workspace and how many passes in a row failed, so a lasting one is one event and a slowing retry.</summary>
    private readonly ConcurrentDictionary<string, (string Message, int Failures)> _problems = new(StringComparer.Ordinal);

    /// <summary>
    /// Running workspaces whose namespace this process has looked through since their start: the annotation, not only
    /// the status, says what a stop scaled down (the status write can be lost to a conflict or a restart), so each
    /// start with the setting on is one look.
    /// </summary>
    private readonly ConcurrentDictionary<string, byte> _lookedAfterStart = new(StringComparer.Ordinal);

    public void Forget(string workspaceName)
    {
        _problems.TryRemove(workspaceName, out _);
        _lookedAfterStart.TryRemove(workspaceName, out _);
    }

    /// <summary>The workspace stopped: scales the namespace's Deployments to zero once; null when done, else when to try again.</summary>
    public async Task<TimeSpan?> ScaleDownAsync(WorkspaceResource workspace, WorkspaceClusterAccessStatus status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(status);
        if (status.ScaledToZero == true)
        {
            return null;
        }

        var ns = ClusterAccessBuilder.Namespace(workspace);
        var scaled = new List<string>();
        try
        {
            foreach (var deployment in (await client.AppsV1.ListNamespacedDeploymentAsync(ns, cancellationToken: cancellationToken)).Items)
            {
                if (await ScaleDownOneAsync(deployment, cancellationToken) is { } replicas)
                {
                    scaled.Add($"{deployment.Metadata.Name} ({replicas})");
                }
            }
        }
        catch (HttpOperationException e) when (!cancellationToken.IsCancellationRequested)
        {
            return await ReportAsync(workspace, $"Could not scale the Deployments in {ns} to zero: {Reason(e)}", e, cancellationToken);
        }

        _problems.TryRemove(workspace.Metadata.Name, out _);
        _lookedAfterStart.TryRemove(workspace.Metadata.Name, out _);
        status.ScaledToZero = true;
        if (scaled.Count > 0)
        {
            LogScaledDown(ns, scaled.Count);
            await events.RecordAsync(workspace, "Normal", "ScaledToZero", $"Scaled {Plural(scaled.Count)} in {ns} to zero: {string.Join(", ", scaled)}. The next start scales them back.", cancellationToken);
        }

        return null;
    }

    /// <summary>The workspace starts: scales back what its stop scaled to zero; null when done, else when to try again.</summary>
    public async Task<TimeSpan?> RestoreAsync(WorkspaceResource workspace, WorkspaceClusterAccessStatus status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(status);
        if (status.ScaledToZero != true && (workspace.Spec.ClusterAccess?.ScaleToZeroOnStop != true || _lookedAfterStart.ContainsKey(workspace.Metadata.Name)))
        {
            return null;
        }

        var ns = ClusterAccessBuilder.Namespace(workspace);
        var restored = new List<string>();
        var kept = new List<string>();
        try
        {
            foreach (var deployment in (await client.AppsV1.ListNamespacedDeploymentAsync(ns, cancellationToken: cancellationToken)).Items)
            {
                switch (await RestoreOneAsync(deployment, cancellationToken))
                {
                    case (true, var replicas):
                        restored.Add($"{deployment.Metadata.Name} ({replicas})");
                        break;
                    case (false, var current) when current is not null:
                        kept.Add($"{deployment.Metadata.Name} ({current})");
                        break;
                }
            }
        }
        catch (HttpOperationException e) when (!cancellationToken.IsCancellationRequested)
        {
            return await ReportAsync(workspace, $"Could not scale the Deployments in {ns} back: {Reason(e)}", e, cancellationToken);
        }

        _problems.TryRemove(workspace.Metadata.Name, out _);
        _lookedAfterStart[workspace.Metadata.Name] = 0;
        status.ScaledToZero = null;
        if (restored.Count + kept.Count > 0)
        {
            LogRestored(ns, restored.Count, kept.Count);
            var message = restored.Count > 0 ? $"Scaled {Plural(restored.Count)} in {ns} back: {string.Join(", ", restored)}." : $"Nothing in {ns} to scale back.";
            if (kept.Count > 0)
            {
                message += $" Left as changed while the workspace was stopped: {string.Join(", ", kept)}.";
            }

            await events.RecordAsync(workspace, "Normal", "ScaledBack", message, cancellationToken);
        }

        return null;
    }

    /// <summary>
    /// Records one Deployment's replicas and scales it to zero; its replicas, or null when it is already at zero (by hand
    /// before the stop: not restored; or by an earlier pass, whose annotation stays) or gone. Both writes are conditional on
    /// the version read, so a replica count changed meanwhile is read again rather than recorded stale.
    /// </summary>
    private Task<int?> ScaleDownOneAsync(V1Deployment deployment, CancellationToken cancellationToken) =>
        OnLatestAsync<int?>(deployment, gone: null, async latest =>
        {
            var replicas = latest.Spec?.Replicas ?? 1;
            if (replicas == 0)
            {
                return null;
            }

            var annotated = await client.AppsV1.PatchNamespacedDeploymentAsync(
                Annotation(replicas.ToString(CultureInfo.InvariantCulture), latest.Metadata.ResourceVersion), latest.Metadata.Name, latest.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
            await ScaleAsync(annotated, 0, cancellationToken);
            return replicas;
        }, cancellationToken);

    /// <summary>
    /// Scales one annotated Deployment back if it is still at zero and removes the annotation: (true, replicas) when
    /// scaled back, (false, its replicas) when changed by hand meanwhile, (false, null) when not ours or gone.
    /// </summary>
    private Task<(bool Restored, int? Replicas)> RestoreOneAsync(V1Deployment deployment, CancellationToken cancellationToken) =>
        OnLatestAsync<(bool Restored, int? Replicas)>(deployment, gone: (false, null), async latest =>
        {
            if (latest.Metadata.Annotations?.TryGetValue(ReplicasAnnotation, out var recorded) != true)
            {
                return (false, null);
            }

            var current = latest.Spec?.Replicas ?? 1;
            var result = (false, (int?)current);
            if (current == 0 && int.TryParse(recorded, NumberStyles.None, CultureInfo.InvariantCulture, out var replicas))
            {
                // Scaled first, the annotation removed after: a pass cut short in between finds replicas not at zero
                // and only removes the annotation, so nothing is scaled twice.
                await ScaleAsync(latest, replicas, cancellationToken);
                result = (true, replicas);
            }

            await client.AppsV1.PatchNamespacedDeploymentAsync(Annotation(null, resourceVersion: null), latest.Metadata.Name, latest.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
            return result;
        }, cancellationToken);

    /// <summary>
    /// Runs <paramref name="write"/> on the Deployment; when it changed between the read and the write (409), reads it
    /// again and runs again, up to <see cref="ConflictRetriesPerDeployment"/> times; <paramref name="gone"/> when it was
    /// deleted meanwhile.
    /// </summary>
    private async Task<T> OnLatestAsync<T>(V1Deployment deployment, T gone, Func<V1Deployment, Task<T>> write, CancellationToken cancellationToken)
    {
        var (name, ns) = (deployment.Metadata.Name, deployment.Metadata.NamespaceProperty);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await write(deployment);
            }
            catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
            {
                return gone;
            }
            catch (HttpOperationException e) when (KubernetesErrors.IsConflict(e) && attempt < ConflictRetriesPerDeployment)
            {
                if (await ReadAsync(name, ns, cancellationToken) is not { } again)
                {
                    return gone;
                }

                deployment = again;
            }
        }
    }

    private async Task<V1Deployment?> ReadAsync(string name, string ns, CancellationToken cancellationToken)
    {
        try
        {
            return await client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            return null;
        }
    }

    /// <summary>Through the scale subresource, conditional on the Deployment's version: a change made meanwhile wins (409, read again).</summary>
    private Task<V1Scale> ScaleAsync(V1Deployment deployment, int replicas, CancellationToken cancellationToken) =>
        client.AppsV1.ReplaceNamespacedDeploymentScaleAsync(
            new V1Scale
            {
                ApiVersion = "autoscaling/v1",
                Kind = "Scale",
                Metadata = new V1ObjectMeta { Name = deployment.Metadata.Name, NamespaceProperty = deployment.Metadata.NamespaceProperty, ResourceVersion = deployment.Metadata.ResourceVersion },
                Spec = new V1ScaleSpec { Replicas = replicas },
            },
            deployment.Metadata.Name,
            deployment.Metadata.NamespaceProperty,
            cancellationToken: cancellationToken);

    /// <summary>A merge patch that sets the annotation, or removes it (null); with a resourceVersion, it applies only to that version (409 otherwise).</summary>
    private static V1Patch Annotation(string? replicas, string? resourceVersion)
    {
        var metadata = new JsonObject { ["annotations"] = new JsonObject { [ReplicasAnnotation] = replicas } };
        if (resourceVersion is not null)
        {
            metadata["resourceVersion"] = resourceVersion;
        }

        return new(new JsonObject { ["metadata"] = metadata }.ToJsonString(), V1Patch.PatchType.MergePatch);
    }

    /// <summary>When to try a failing pass again: the first wait for its kind, doubled for each pass that failed before, at most <see cref="LongestRetry"/>.</summary>
    public static TimeSpan RetryDelay(bool conflict, int failuresInARow)
    {
        var first = conflict ? RetryAfterConflict : RetryAfterFailure;
        var doublings = Math.Clamp(failuresInARow - 1, 0, 16);
        return TimeSpan.FromTicks(Math.Min(first.Ticks << doublings, LongestRetry.Ticks));
    }

    /// <summary>Says a failure once (log and event) while it lasts; returns when to try again.</summary>
    private async Task<TimeSpan?> ReportAsync(WorkspaceResource workspace, string message, HttpOperationException e, CancellationToken cancellationToken)
    {
        // Counted per problem: a start after many failed stops (or a conflict after a 403) begins with the first wait again.
        var failures = _problems.TryGetValue(workspace.Metadata.Name, out var last) && last.Message == message ? last.Failures + 1 : 1;
        _problems[workspace.Metadata.Name] = (message, failures);
        var retryAfter = RetryDelay(KubernetesErrors.IsConflict(e), failures);
        if (last.Message == message)
        {
            return retryAfter;
        }

        LogScaleFailed(workspace.Metadata.Name, message);
        await events.RecordAsync(workspace, "Warning", "ScaleFailed", message, cancellationToken);
        return retryAfter;
    }

    private static string Reason(HttpOperationException e) => e.Response?.StatusCode switch
    {
        System.Net.HttpStatusCode.Forbidden => $"{KubernetesErrors.Message(e)} (the controller lacks the rights on deployments and deployments/scale there: upgrade the chart, which grants them with cluster access). Tried again, less often while it lasts (at most every 5 minutes).",
        System.Net.HttpStatusCode.Conflict => "a Deployment changed meanwhile. Tried again shortly.",
        _ => $"{KubernetesErrors.Message(e)}. Tried again, less often while it lasts (at most every 5 minutes).",
    };

    private static string Plural(int count) => count == 1 ? "1 Deployment" : $"{count} Deployments";

    [LoggerMessage(Level = LogLevel.Information, Message = "Scaled {Count} Deployments in {Namespace} to zero")]
    private partial void LogScaledDown(string @namespace, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scaled {Restored} Deployments in {Namespace} back ({Kept} left as changed by hand)")]
    private partial void LogRestored(string @namespace, int restored, int kept);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workspace {WorkspaceName}: {Problem}")]
    private partial void LogScaleFailed(string workspaceName, string problem);
}
