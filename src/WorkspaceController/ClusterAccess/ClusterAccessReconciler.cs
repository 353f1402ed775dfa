using System.Collections.Concurrent;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Controller;

namespace Workspaces.WorkspaceController.ClusterAccess;

/// <summary>What a pass over a workspace's development namespace found: a refusal (the workspace fails), a wait, or when to renew the token.</summary>
public readonly record struct ClusterAccessResult(string? Problem = null, string? Reason = null, bool Retry = false, TimeSpan? RenewAfter = null);

/// <summary>
/// Makes a workspace's development namespace exist as <see cref="ClusterAccessBuilder"/> describes it, keeps its token
/// fresh while the workspace runs, revokes it when it stops, and deletes the namespace when the Workspace goes. Called by
/// <see cref="WorkspaceResourceReconciler"/> for Workspaces whose spec asks for cluster access only.
/// </summary>
public sealed partial class ClusterAccessReconciler(
    IKubernetes client,
    IOptions<ControllerOptions> options,
    EventRecorder events,
    DeploymentScaler scaler,
    DevNamespaceServices services,
    TimeProvider timeProvider,
    ILogger<ClusterAccessReconciler> logger)
{
    private readonly ControllerOptions _options = options.Value;
    private ClusterAccessOptions Access => _options.ClusterAccess;

    /// <summary>Which uid/generation had its namespace objects verified, and when (verified again after the resync period).</summary>
    private readonly ConcurrentDictionary<string, (string Marker, DateTimeOffset At)> _ensured = new(StringComparer.Ordinal);

    /// <summary>The last quota message recorded per workspace, so a full quota is one event, not one per pass.</summary>
    private readonly ConcurrentDictionary<string, string> _quotaReported = new(StringComparer.Ordinal);

    /// <summary>Since when (the controller's clock) a Workspace's namespace has been terminating, by Workspace uid.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _terminatingSince = new(StringComparer.Ordinal);

    private byte[]? _ca;

    public void Forget(string workspaceName) => _ensured.TryRemove(workspaceName, out _);

    /// <summary>Whether the workspace's Deployments were scaled to zero by its stop (kept through every status this pass writes).</summary>
    private static bool? ScaledToZero(WorkspaceStatus status) => status.ClusterAccess?.ScaledToZero;

    /// <summary>Why this workspace's request is refused before anything reaches the cluster, or null.</summary>
    public string? Refusal(WorkspaceResource workspace)
    {
        var access = workspace.Spec.ClusterAccess!;
        if (!Access.Enabled)
        {
            return "This workspace asks for cluster access, which is not enabled on the controller (Workspaces:Controller:ClusterAccess:Enabled, chart value clusterAccess.enabled). Ask an administrator, or turn cluster access off in the project's settings.";
        }

        var reserved = Access.ReservedNamespaces.Append(_options.Namespace).Append(workspace.Metadata.NamespaceProperty);
        if (!string.IsNullOrEmpty(_options.WebNamespace))
        {
            reserved = reserved.Append(_options.WebNamespace);
        }

        return ClusterAccessPolicy.NamespaceProblem(access.Namespace, reserved)
            ?? (access.Rules is { } rules ? ClusterAccessPolicy.RulesProblem([.. rules], Access.EffectiveCeiling) : null);
    }

    public async Task<ClusterAccessResult> EnsureAsync(WorkspaceResource workspace, WorkspaceStatus status, bool running, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(status);
        if (Refusal(workspace) is { } refusal)
        {
            status.ClusterAccess = new WorkspaceClusterAccessStatus { Namespace = workspace.Spec.ClusterAccess!.Namespace, Phase = ClusterAccessPhase.Failed, Message = refusal, ScaledToZero = ScaledToZero(status) };
            return new ClusterAccessResult(refusal, "ClusterAccessRefused");
        }

        var previous = status.ClusterAccess?.Services;
        var now = timeProvider.GetUtcNow();
        var marker = $"{workspace.Metadata.Uid}/{workspace.Metadata.Generation}";
        var verified = false;
        if (!(_ensured.TryGetValue(workspace.Metadata.Name, out var done) && done.Marker == marker && now - done.At < _options.ResyncPeriod && status.ClusterAccess?.Phase == ClusterAccessPhase.Ready))
        {
            ClusterAccessResult ensured;
            try
            {
                ensured = await EnsureNamespaceAsync(workspace, status, cancellationToken);
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode is System.Net.HttpStatusCode.Forbidden)
            {
                // The controller's RBAC or the admission policy refused: a setup problem, said where the user looks.
                var problem = $"Kubernetes refused to set up the development namespace (403): {KubernetesErrors.Message(e)}. An administrator must enable cluster access in the chart (clusterAccess.enabled), which grants the controller these rights.";
                status.ClusterAccess = new WorkspaceClusterAccessStatus { Namespace = workspace.Spec.ClusterAccess!.Namespace, Phase = ClusterAccessPhase.Failed, Message = problem, ScaledToZero = ScaledToZero(status) };
                ensured = new ClusterAccessResult(problem, "ClusterAccessForbidden");
            }

            if (ensured.Problem is not null || ensured.Retry)
            {
                _ensured.TryRemove(workspace.Metadata.Name, out _);
                return ensured;
            }

            _ensured[workspace.Metadata.Name] = (marker, now);
            await ReportQuotaAsync(workspace, cancellationToken);
            verified = true;
        }

        ClusterAccessResult result;
        if (running)
        {
            var restoreAgain = await scaler.RestoreAsync(workspace, status.ClusterAccess!, cancellationToken);
            var renewed = await RenewTokenAsync(workspace, status, now, verified, cancellationToken);
            result = renewed with { RenewAfter = Sooner(renewed.RenewAfter, restoreAgain) };
        }
        else
        {
            var revoked = await RevokeAsync(workspace, status, cancellationToken);
            var scaleAgain = workspace.Spec.DesiredState == DesiredState.Stopped && workspace.Spec.ClusterAccess!.ScaleToZeroOnStop
                ? await scaler.ScaleDownAsync(workspace, status.ClusterAccess!, cancellationToken)
                : null;
            result = revoked with { RenewAfter = Sooner(revoked.RenewAfter, scaleAgain) };
        }

        // Services are previewed whether or not the workspace runs: what runs in the namespace goes on running.
        status.ClusterAccess!.Services = services.Report(ClusterAccessBuilder.Namespace(workspace)) is { } found ? (found.Count == 0 ? null : found) : previous;
        return result;
    }

    private static TimeSpan? Sooner(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private async Task<ClusterAccessResult> EnsureNamespaceAsync(WorkspaceResource workspace, WorkspaceStatus status, CancellationToken cancellationToken)
    {
        var desired = ClusterAccessBuilder.DevNamespace(workspace);
        var name = desired.Metadata.Name;
        V1Namespace? existing = null;
        try
        {
            existing = await client.CoreV1.ReadNamespaceAsync(name, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            try
            {
                await client.CoreV1.CreateNamespaceAsync(desired, cancellationToken: cancellationToken);
                LogNamespaceCreated(name);
                await events.RecordAsync(workspace, "Normal", "NamespaceCreated", $"Created the development namespace {name}.", cancellationToken);
            }
            catch (HttpOperationException conflict) when (KubernetesErrors.IsConflict(conflict))
            {
                return new ClusterAccessResult(Retry: true);
            }
        }

        if (existing is not null)
        {
            var labels = existing.Metadata.Labels ?? new Dictionary<string, string>();
            var ours = labels.TryGetValue(Kubernetes.Resources.WorkspaceResourceBuilder.WorkspaceLabel, out var of) && of == workspace.Metadata.Name
                && labels.TryGetValue(ClusterAccessBuilder.WorkspaceNamespaceLabel, out var from) && from == workspace.Metadata.NamespaceProperty;
            if (!ours)
            {
                var problem = $"The namespace {name} already exists and does not belong to this workspace; delete it or choose another namespace pattern in the project's settings.";
                status.ClusterAccess = new WorkspaceClusterAccessStatus { Namespace = name, Phase = ClusterAccessPhase.Failed, Message = problem };
                return new ClusterAccessResult(problem, "NamespaceConflict");
            }

            if (existing.Metadata.DeletionTimestamp is not null || OwnerUid(existing) != workspace.Metadata.Uid)
            {
                // Left by an earlier Workspace of the same name: it goes first, then this one's is made.
                if (existing.Metadata.DeletionTimestamp is null)
                {
                    await KubernetesErrors.IgnoreNotFoundAsync(() => client.CoreV1.DeleteNamespaceAsync(name, cancellationToken: cancellationToken));
                }

                status.ClusterAccess = new WorkspaceClusterAccessStatus { Namespace = name, Phase = ClusterAccessPhase.Terminating, Message = $"Waiting for the earlier namespace {name} to be deleted." };
                return new ClusterAccessResult(Retry: true);
            }
        }

        var ns = name;
        var objects = new List<string> { $"Namespace/{ns}" };
        // The controller's own grants here first: everything after them is done with these, not with cluster-wide rights.
        // Created without a read: reading bindings is one of the rights they grant.
        foreach (var binding in ClusterAccessBuilder.ControllerBindings(workspace, Access))
        {
            objects.Add($"RoleBinding/{binding.Metadata.Name}");
            try
            {
                await client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(binding, ns, cancellationToken: cancellationToken);
            }
            catch (HttpOperationException e) when (KubernetesErrors.IsConflict(e))
            {
                // There already (a binding never changes: its role is fixed by the chart).
            }
        }
        await EnsureAsync(objects, ClusterAccessBuilder.ServiceAccount(workspace),
            ct => client.CoreV1.ReadNamespacedServiceAccountAsync(ClusterAccessBuilder.ServiceAccountName, ns, cancellationToken: ct),
            (o, ct) => client.CoreV1.CreateNamespacedServiceAccountAsync(o, ns, cancellationToken: ct),
            null, cancellationToken);

        var role = ClusterAccessBuilder.Role(workspace, Access);
        await EnsureAsync(objects, role,
            ct => client.RbacAuthorizationV1.ReadNamespacedRoleAsync(role.Metadata.Name, ns, cancellationToken: ct),
            (o, ct) => client.RbacAuthorizationV1.CreateNamespacedRoleAsync(o, ns, cancellationToken: ct),
            (e, o, ct) => Same(e.Rules, o.Rules) ? Task.CompletedTask : client.RbacAuthorizationV1.ReplaceNamespacedRoleAsync(Versioned(o, e), o.Metadata.Name, ns, cancellationToken: ct),
            cancellationToken);
        var roleBinding = ClusterAccessBuilder.RoleBinding(workspace);
        await EnsureAsync(objects, roleBinding,
            ct => client.RbacAuthorizationV1.ReadNamespacedRoleBindingAsync(roleBinding.Metadata.Name, ns, cancellationToken: ct),
            (o, ct) => client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(o, ns, cancellationToken: ct),
            null, cancellationToken);
        var quota = ClusterAccessBuilder.Quota(workspace, _options);
        await EnsureAsync(objects, quota,
            ct => client.CoreV1.ReadNamespacedResourceQuotaAsync(quota.Metadata.Name, ns, cancellationToken: ct),
            (o, ct) => client.CoreV1.CreateNamespacedResourceQuotaAsync(o, ns, cancellationToken: ct),
            (e, o, ct) => Same(e.Spec, o.Spec) ? Task.CompletedTask : client.CoreV1.ReplaceNamespacedResourceQuotaAsync(Versioned(o, e), o.Metadata.Name, ns, cancellationToken: ct),
            cancellationToken);
        var limits = ClusterAccessBuilder.LimitRange(workspace, _options);
        await EnsureAsync(objects, limits,
            ct => client.CoreV1.ReadNamespacedLimitRangeAsync(limits.Metadata.Name, ns, cancellationToken: ct),
            (o, ct) => client.CoreV1.CreateNamespacedLimitRangeAsync(o, ns, cancellationToken: ct),
            (e, o, ct) => Same(e.Spec, o.Spec) ? Task.CompletedTask : client.CoreV1.ReplaceNamespacedLimitRangeAsync(Versioned(o, e), o.Metadata.Name, ns, cancellationToken: ct),
            cancellationToken);
        var policy = ClusterAccessBuilder.Policy(workspace, _options);
        await EnsureAsync(objects, policy,
            ct => client.NetworkingV1.ReadNamespacedNetworkPolicyAsync(policy.Metadata.Name, ns, cancellationToken: ct),
            (o, ct) => client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(o, ns, cancellationToken: ct),
            (e, o, ct) => Same(e.Spec, o.Spec) ? Task.CompletedTask : client.NetworkingV1.ReplaceNamespacedNetworkPolicyAsync(Versioned(o, e), o.Metadata.Name, ns, cancellationToken: ct),
            cancellationToken);

        var tokenExpiresAt = status.ClusterAccess?.TokenExpiresAt;
        status.ClusterAccess = new WorkspaceClusterAccessStatus { Namespace = ns, Phase = ClusterAccessPhase.Ready, Objects = objects, TokenExpiresAt = tokenExpiresAt, ScaledToZero = ScaledToZero(status) };
        return default;
    }

    /// <summary>
    /// A token from the TokenRequest API for the namespace's service account, bound to the session secret (a token can
    /// only be bound to an object of its own namespace, and the pod lives in the release's), renewed at half its life.
    /// </summary>
    private async Task<ClusterAccessResult> RenewTokenAsync(WorkspaceResource workspace, WorkspaceStatus status, DateTimeOffset now, bool verify, CancellationToken cancellationToken)
    {
        var ns = ClusterAccessBuilder.Namespace(workspace);
        var lifetime = Access.TokenLifetime;
        var renewAt = status.ClusterAccess?.TokenExpiresAt is { } expires ? expires - (lifetime / 2) : now;
        if (renewAt > now && !verify)
        {
            // Between resyncs only the clock decides; a resync also checks the secret is still there.
            return new ClusterAccessResult(RenewAfter: renewAt - now);
        }

        var secretName = ClusterAccessBuilder.KubeSecretName(workspace);
        V1Secret? current = null;
        try
        {
            current = await client.CoreV1.ReadNamespacedSecretAsync(secretName, workspace.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            renewAt = now;
        }

        if (renewAt > now)
        {
            return new ClusterAccessResult(RenewAfter: renewAt - now);
        }

        var issued = await SessionTokens.IssueAsync(client, workspace, lifetime, now, cancellationToken);
        var secret = ClusterAccessBuilder.KubeSecret(workspace, Access, issued.Token, Ca());
        if (current is null)
        {
            await client.CoreV1.CreateNamespacedSecretAsync(secret, workspace.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
        }
        else
        {
            secret.Metadata.ResourceVersion = current.Metadata.ResourceVersion;
            await client.CoreV1.ReplaceNamespacedSecretAsync(secret, secretName, workspace.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
        }

        status.ClusterAccess!.TokenExpiresAt = now + issued.ValidFor;
        LogTokenIssued(ns, issued.ValidFor.TotalSeconds);
        return new ClusterAccessResult(RenewAfter: issued.ValidFor / 2);
    }

    /// <summary>The workspace stopped: its session goes (every token bound to it dies with it) and so does the kubeconfig secret.</summary>
    private async Task<ClusterAccessResult> RevokeAsync(WorkspaceResource workspace, WorkspaceStatus status, CancellationToken cancellationToken)
    {
        if (status.ClusterAccess?.TokenExpiresAt is null)
        {
            return default;
        }

        await KubernetesErrors.IgnoreNotFoundAsync(() => client.CoreV1.DeleteNamespacedSecretAsync(ClusterAccessBuilder.SessionName, ClusterAccessBuilder.Namespace(workspace), cancellationToken: cancellationToken));
        await KubernetesErrors.IgnoreNotFoundAsync(() => client.CoreV1.DeleteNamespacedSecretAsync(ClusterAccessBuilder.KubeSecretName(workspace), workspace.Metadata.NamespaceProperty, cancellationToken: cancellationToken));
        status.ClusterAccess.TokenExpiresAt = null;
        return default;
    }

    /// <summary>A resource of the namespace's quota used up: said once in the Workspace's events (the user sees why a pod does not start).</summary>
    private async Task ReportQuotaAsync(WorkspaceResource workspace, CancellationToken cancellationToken)
    {
        V1ResourceQuota quota;
        try
        {
            quota = await client.CoreV1.ReadNamespacedResourceQuotaAsync(ClusterAccessBuilder.QuotaName, ClusterAccessBuilder.Namespace(workspace), cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            return;
        }

        if (QuotaExhaustion.Message(quota) is not { } message)
        {
            _quotaReported.TryRemove(workspace.Metadata.Name, out _);
            return;
        }

        if (_quotaReported.TryGetValue(workspace.Metadata.Name, out var last) && last == message)
        {
            return;
        }

        _quotaReported[workspace.Metadata.Name] = message;
        await events.RecordAsync(workspace, "Warning", "QuotaExhausted", message, cancellationToken);
    }

    /// <summary>
    /// Deletes the kubeconfig secret and the development namespace; true once the namespace is gone. A namespace that
    /// stays terminating (someone's finalizer) is reported in the status and events, and checked again slowly.
    /// </summary>
    public async Task<(bool Gone, TimeSpan RetryAfter)> FinalizeAsync(WorkspaceResource workspace, WorkspaceStatus status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(status);
        _ensured.TryRemove(workspace.Metadata.Name, out _);
        _quotaReported.TryRemove(workspace.Metadata.Name, out _);
        scaler.Forget(workspace.Metadata.Name);
        await KubernetesErrors.IgnoreNotFoundAsync(() => client.CoreV1.DeleteNamespacedSecretAsync(ClusterAccessBuilder.KubeSecretName(workspace), workspace.Metadata.NamespaceProperty, cancellationToken: cancellationToken));
        var name = ClusterAccessBuilder.Namespace(workspace);
        V1Namespace existing;
        try
        {
            existing = await client.CoreV1.ReadNamespaceAsync(name, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            _terminatingSince.TryRemove(workspace.Metadata.Uid, out _);
            return (true, TimeSpan.Zero);
        }

        if (OwnerUid(existing) != workspace.Metadata.Uid)
        {
            // Not this Workspace's (never created, or another's): left alone.
            _terminatingSince.TryRemove(workspace.Metadata.Uid, out _);
            return (true, TimeSpan.Zero);
        }

        var now = timeProvider.GetUtcNow();
        if (existing.Metadata.DeletionTimestamp is null)
        {
            await KubernetesErrors.IgnoreNotFoundAsync(() => client.CoreV1.DeleteNamespaceAsync(name, cancellationToken: cancellationToken));
            await events.RecordAsync(workspace, "Normal", "NamespaceDeleting", $"Deleting the development namespace {name}.", cancellationToken);
        }

        var since = _terminatingSince.GetOrAdd(workspace.Metadata.Uid, now);
        if (now - since < Access.StuckAfter)
        {
            status.ClusterAccess = new WorkspaceClusterAccessStatus { Namespace = name, Phase = ClusterAccessPhase.Terminating, Message = $"Deleting the namespace {name} and everything in it." };
            return (false, TimeSpan.FromSeconds(2));
        }

        var holders = string.Join("; ", (existing.Status?.Conditions ?? []).Where(c => c.Status == "True").Select(c => c.Message).Where(m => !string.IsNullOrEmpty(m)));
        var finalizers = existing.Metadata.Finalizers is { Count: > 0 } f ? $" Finalizers on the namespace: {string.Join(", ", f)}." : "";
        var message = $"The namespace {name} has been terminating for {Access.StuckAfter.TotalMinutes:0.#} minutes or more.{(holders.Length > 0 ? " " + holders + "." : "")}{finalizers} Something in it waits on a finalizer that nobody removes; an administrator can look with `kubectl get all,events -n {name}` and remove it. The workspace is deleted once the namespace is gone.";
        if (status.ClusterAccess?.Phase != ClusterAccessPhase.Stuck)
        {
            await events.RecordAsync(workspace, "Warning", "NamespaceStuck", message, cancellationToken);
            LogNamespaceStuck(name);
        }

        status.ClusterAccess = new WorkspaceClusterAccessStatus { Namespace = name, Phase = ClusterAccessPhase.Stuck, Message = message };
        return (false, TimeSpan.FromSeconds(30));
    }

    private static string? OwnerUid(V1Namespace ns) =>
        ns.Metadata.Annotations is { } annotations && annotations.TryGetValue(ClusterAccessBuilder.OwnerUidAnnotation, out var uid) ? uid : null;

    private static async Task EnsureAsync<T>(
        List<string> objects,
        T desired,
        Func<CancellationToken, Task<T>> read,
        Func<T, CancellationToken, Task<T>> create,
        Func<T, T, CancellationToken, Task>? update,
        CancellationToken cancellationToken)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        objects.Add($"{desired.Kind}/{desired.Metadata.Name}");
        T existing;
        try
        {
            existing = await read(cancellationToken);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            try
            {
                await create(desired, cancellationToken);
            }
            catch (HttpOperationException conflict) when (KubernetesErrors.IsConflict(conflict))
            {
                // Created meanwhile; verified on the next pass.
            }

            return;
        }

        if (update is not null)
        {
            await update(existing, desired, cancellationToken);
        }
    }

    private byte[] Ca() => _ca ??= File.Exists(Access.CaFile) ? File.ReadAllBytes(Access.CaFile) : [];

    private static T Versioned<T>(T desired, T existing)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        desired.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
        return desired;
    }

    private static bool Same<T>(T a, T b) => KubernetesJson.Serialize(a) == KubernetesJson.Serialize(b);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created development namespace {Namespace}")]
    private partial void LogNamespaceCreated(string @namespace);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Issued a token for {Namespace}, valid {Seconds} s")]
    private partial void LogTokenIssued(string @namespace, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Development namespace {Namespace} is stuck terminating")]
    private partial void LogNamespaceStuck(string @namespace);
}
