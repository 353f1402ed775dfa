using System.Globalization;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workspaces.WorkspaceController.ClusterAccess;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Controller;
using Workspaces.WorkspaceController.Local.Sandbox;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.WorkspaceController.Local.ClusterAccess;

/// <summary>Where a started workspace's kubeconfig is: on the host, as the workspace sees it, and the API server's loopback port to forward.</summary>
public sealed record LocalKubeconfig(string HostDirectory, string InsideDirectory, int? LoopbackPort)
{
    public string InsidePath => $"{InsideDirectory}/{LocalClusterAccessBuilder.ConfigFile}";
}

/// <summary>What the service remembers of a workspace's development namespace, beside its directory (never inside it).</summary>
public sealed record LocalClusterAccessState(
    string Namespace,
    string OwnerUid,
    string InsideDirectory,
    DateTimeOffset? TokenExpiresAt = null,
    DateTimeOffset? TerminatingSince = null,
    bool StuckReported = false,
    string? QuotaReported = null,
    DateTimeOffset? PreparedAt = null);

/// <summary>
/// Cluster access on the local runtime: with the administrator's client (<see cref="LocalCluster"/>) it makes a workspace's
/// development namespace exist as <see cref="LocalClusterAccessBuilder"/> describes it, writes the workspace's kubeconfig
/// with a short-lived token from the TokenRequest API (bound to a session secret in the namespace, as on Kubernetes) into
/// <c>{WorkspacesDirectory}/{id}.kube</c>, renews it, revokes it when the workspace stops (the session secret goes, and
/// every token bound to it dies), and deletes the namespace with the workspace. The administrator's credentials never
/// leave this process.
/// </summary>
public sealed partial class LocalClusterAccess(
    LocalCluster cluster,
    IOptions<LocalRuntimeOptions> local,
    TimeProvider timeProvider,
    ILogger<LocalClusterAccess> logger) : IWorkspaceRuntimeEvents
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly KeyedLocks _locks = new();

    /// <summary>How long a delete waits for the namespace to go before it says it is still terminating (and is retried).</summary>
    public TimeSpan DeleteWait { get; set; } = TimeSpan.FromSeconds(10);

    public event Action<WorkspaceRuntimeEvent>? Reported;

    public bool Configured => cluster.Configured;

    private LocalClusterAccessOptions Options => cluster.Options;

    private string Root => local.Value.WorkspacesDirectory;

    public string KubeDirectory(string workspaceId) => Path.Combine(Root, workspaceId + ".kube");

    private string StatePath(string workspaceId) => Path.Combine(Root, workspaceId + ".cluster.json");

    /// <summary>
    /// At a start: the namespace and a fresh token, or null when the workspace gets no cluster access (none asked, or the
    /// cluster unreachable: the workspace starts without it and its events say why). A refused namespace (reserved,
    /// another's) fails the start with <see cref="WorkspaceRuntimeException"/>.
    /// </summary>
    /// <param name="insideDirectory">Where the workspace sees the kubeconfig directory (the sandbox's mount, or the host path unsandboxed).</param>
    public async Task<LocalKubeconfig?> PrepareAsync(string workspaceId, ClusterAccessLaunch? access, string? insideDirectory, CancellationToken cancellationToken)
    {
        using var _ = await _locks.AcquireAsync(workspaceId, cancellationToken);
        if (access is null)
        {
            // The project turned cluster access off since the last start: nothing of it stays in the workspace.
            await RevokeCoreAsync(workspaceId, cancellationToken);
            return null;
        }

        if (!Configured)
        {
            Report(workspaceId, "cluster-access-unavailable", $"This workspace's project asks for cluster access, but this server has no cluster configured ({LocalClusterAccessOptions.SectionName}:Kubeconfig). The workspace starts without a KUBECONFIG.");
            return null;
        }

        var reserved = Options.ReservedNamespaces;
        if ((ClusterAccessPolicy.NamespaceProblem(access.Namespace, reserved) ?? (access.Rules is { } rules ? ClusterAccessPolicy.RulesProblem(rules, Options.EffectiveCeiling) : null)) is { } refusal)
        {
            throw new WorkspaceRuntimeException($"Cluster access refused: {refusal}");
        }

        var previous = ReadState(workspaceId);
        var inside = insideDirectory ?? KubeDirectory(workspaceId);
        var state = previous is not null && previous.Namespace == access.Namespace
            ? previous with { InsideDirectory = inside }
            : new LocalClusterAccessState(access.Namespace, $"local-{Guid.NewGuid():N}", inside);
        try
        {
            if (previous is not null && previous.Namespace != access.Namespace)
            {
                // The project's pattern changed: the old namespace was this workspace's and goes.
                await DeleteNamespaceIfOursAsync(workspaceId, previous, wait: false, cancellationToken);
            }

            var workspace = LocalClusterAccessBuilder.Resource(workspaceId, state.OwnerUid, access);
            await EnsureObjectsAsync(workspace, cancellationToken);
            state = await IssueTokenAsync(workspaceId, state, cancellationToken) with { PreparedAt = timeProvider.GetUtcNow() };
            WriteState(workspaceId, state);
            return new LocalKubeconfig(KubeDirectory(workspaceId), inside, cluster.LoopbackPort);
        }
        catch (Exception e) when (Unreachable(e) is { } why)
        {
            DeleteKubeDirectory(workspaceId);
            // Remembered so that a later delete still finds what was created before the failure; with no token, so that
            // the renewals leave this start (which has no kubeconfig) alone. A token a failed stop left is not retried:
            // its file is gone and it expires within TokenLifetime.
            WriteState(workspaceId, (previous ?? state) with { TokenExpiresAt = null, PreparedAt = null });

            LogUnavailable(workspaceId, why);
            Report(workspaceId, "cluster-access-unavailable", $"The workspace started without cluster access: the cluster at {SafeServer()} {why} Start the workspace again once it is reachable.");
            return null;
        }
    }

    /// <summary>The workspace stopped: its session secret goes (every token bound to it dies with it), and so does its kubeconfig.</summary>
    public async Task RevokeAsync(string workspaceId, CancellationToken cancellationToken)
    {
        using var _ = await _locks.AcquireAsync(workspaceId, cancellationToken);
        await RevokeCoreAsync(workspaceId, cancellationToken);
    }

    private async Task RevokeCoreAsync(string workspaceId, CancellationToken cancellationToken)
    {
        DeleteKubeDirectory(workspaceId);
        if (ReadState(workspaceId) is not { TokenExpiresAt: not null } state || !Configured)
        {
            return;
        }

        try
        {
            // A namespace that is no longer ours (deleted, then made for another workspace) took our session with it; its
            // session now is the other workspace's.
            if (await IsStillOursAsync(workspaceId, state, cancellationToken))
            {
                await KubernetesErrors.IgnoreNotFoundAsync(() => cluster.Client.CoreV1.DeleteNamespacedSecretAsync(ClusterAccessBuilder.SessionName, state.Namespace, cancellationToken: cancellationToken));
            }

            WriteState(workspaceId, state with { TokenExpiresAt = null });
        }
        catch (Exception e) when (Unreachable(e) is { } why)
        {
            // Its file is gone already; the token itself lives on in the cluster until it expires or the next try.
            LogRevokeFailed(workspaceId, why);
        }
    }

    /// <summary>
    /// The workspace is deleted: its namespace goes. Waits <see cref="DeleteWait"/> for it; a namespace still terminating
    /// then throws (the caller tries again), and one terminating longer than <c>StuckAfter</c> is reported once, saying
    /// what holds it.
    /// </summary>
    public async Task DeleteAsync(string workspaceId, CancellationToken cancellationToken)
    {
        using var _ = await _locks.AcquireAsync(workspaceId, cancellationToken);
        await RevokeCoreAsync(workspaceId, cancellationToken);
        if (ReadState(workspaceId) is not { } state)
        {
            return;
        }

        if (!Configured)
        {
            LogLeftBehind(workspaceId, state.Namespace);
            File.Delete(StatePath(workspaceId));
            return;
        }

        try
        {
            await DeleteNamespaceIfOursAsync(workspaceId, state, wait: true, cancellationToken);
        }
        catch (Exception e) when (Unreachable(e) is { } why)
        {
            throw new WorkspaceRuntimeException($"The development namespace {state.Namespace} could not be deleted: the cluster at {SafeServer()} {why}");
        }

        File.Delete(StatePath(workspaceId));
    }

    /// <summary>Deletes the namespace when it is this workspace's, and waits for it; throws while it terminates.</summary>
    /// <param name="wait">False: asks for the deletion and returns (the workspace lives on with another namespace).</param>
    private async Task DeleteNamespaceIfOursAsync(string workspaceId, LocalClusterAccessState state, bool wait, CancellationToken cancellationToken)
    {
        var deadline = timeProvider.GetUtcNow() + DeleteWait;
        var asked = false;
        while (true)
        {
            V1Namespace existing;
            try
            {
                existing = await cluster.Client.CoreV1.ReadNamespaceAsync(state.Namespace, cancellationToken: cancellationToken);
            }
            catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
            {
                return;
            }

            if (!IsOurs(existing, workspaceId, state.OwnerUid))
            {
                return;
            }

            if (existing.Metadata.DeletionTimestamp is null && !asked)
            {
                await KubernetesErrors.IgnoreNotFoundAsync(() => cluster.Client.CoreV1.DeleteNamespaceAsync(state.Namespace, cancellationToken: cancellationToken));
                LogNamespaceDeleting(state.Namespace);
                asked = true;
            }

            if (!wait)
            {
                return;
            }

            var now = timeProvider.GetUtcNow();
            if (now >= deadline)
            {
                var since = state.TerminatingSince ?? now;
                if (now - since < Options.StuckAfter)
                {
                    WriteState(workspaceId, state with { TerminatingSince = since });
                    throw new WorkspaceRuntimeException($"Deleting the development namespace {state.Namespace} and everything in it.");
                }

                var holders = string.Join("; ", (existing.Status?.Conditions ?? []).Where(c => c.Status == "True").Select(c => c.Message).Where(m => !string.IsNullOrEmpty(m)));
                var finalizers = existing.Metadata.Finalizers is { Count: > 0 } f ? $" Finalizers on the namespace: {string.Join(", ", f)}." : "";
                var message = $"The namespace {state.Namespace} has been terminating for {Options.StuckAfter.TotalMinutes:0.#} minutes or more.{(holders.Length > 0 ? " " + holders + "." : "")}{finalizers} Something in it waits on a finalizer that nobody removes; an administrator can look with `kubectl get all,events -n {state.Namespace}` and remove it. The workspace is deleted once the namespace is gone.";
                if (!state.StuckReported)
                {
                    Report(workspaceId, "namespace-stuck", message);
                    LogNamespaceStuck(state.Namespace);
                }

                WriteState(workspaceId, state with { TerminatingSince = since, StuckReported = true });
                throw new WorkspaceRuntimeException(message);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), timeProvider, cancellationToken);
        }
    }

    /// <summary>
    /// One pass over the started workspaces: a token past half its life is renewed (its file replaced), a full quota is
    /// reported once. <paramref name="isRunning"/> says whether a workspace's agent still runs; one that does not has its
    /// token revoked.
    /// </summary>
    public async Task CheckAsync(Func<string, CancellationToken, Task<bool>> isRunning, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(isRunning);
        if (!Configured || !Directory.Exists(Root))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(Root, "*.cluster.json"))
        {
            var workspaceId = Path.GetFileName(file)[..^".cluster.json".Length];
            try
            {
                await CheckOneAsync(workspaceId, isRunning, cancellationToken);
            }
            catch (Exception e) when (Unreachable(e) is { } why)
            {
                LogCheckFailed(workspaceId, why);
            }
        }
    }

    private async Task CheckOneAsync(string workspaceId, Func<string, CancellationToken, Task<bool>> isRunning, CancellationToken cancellationToken)
    {
        using var _ = await _locks.AcquireAsync(workspaceId, cancellationToken);
        if (ReadState(workspaceId) is not { TokenExpiresAt: { } expires } state)
        {
            return;
        }

        // A start prepares the token before its agent runs: not revoked while that start may still be going on.
        var starting = state.PreparedAt is { } prepared && timeProvider.GetUtcNow() - prepared < local.Value.StartTimeout + TimeSpan.FromSeconds(5);
        if (!starting && !await isRunning(workspaceId, cancellationToken))
        {
            await RevokeCoreAsync(workspaceId, cancellationToken);
            return;
        }

        if (!await IsStillOursAsync(workspaceId, state, cancellationToken))
        {
            // Deleted behind the service's back, and maybe made since for another workspace: no token of that namespace
            // is this workspace's any more.
            DeleteKubeDirectory(workspaceId);
            WriteState(workspaceId, state with { TokenExpiresAt = null });
            Report(workspaceId, "cluster-access-lost", $"The development namespace {state.Namespace} was deleted outside Workspaces: this workspace's kubeconfig is removed. Restart the workspace to get a new namespace.");
            return;
        }

        if (timeProvider.GetUtcNow() >= expires - (Options.TokenLifetime / 2))
        {
            state = await IssueTokenAsync(workspaceId, state, cancellationToken);
        }

        state = await CheckQuotaAsync(workspaceId, state, cancellationToken);
        WriteState(workspaceId, state);
    }

    private async Task<LocalClusterAccessState> CheckQuotaAsync(string workspaceId, LocalClusterAccessState state, CancellationToken cancellationToken)
    {
        V1ResourceQuota quota;
        try
        {
            quota = await cluster.Client.CoreV1.ReadNamespacedResourceQuotaAsync(ClusterAccessBuilder.QuotaName, state.Namespace, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            return state;
        }

        var message = QuotaExhaustion.Message(quota);
        if (message is not null && message != state.QuotaReported)
        {
            Report(workspaceId, "quota-exhausted", message);
        }

        return state with { QuotaReported = message };
    }

    private async Task EnsureObjectsAsync(WorkspaceResource workspace, CancellationToken cancellationToken)
    {
        var client = cluster.Client;
        var objects = LocalClusterAccessBuilder.Objects(workspace, Options);
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
                throw new ClusterUnavailableException($"still deletes an earlier namespace {ns}.");
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

            LogNamespaceCreated(ns);
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

    /// <summary>A token bound to the namespace's session secret (made if missing), written beside the kubeconfig and the CA.</summary>
    private async Task<LocalClusterAccessState> IssueTokenAsync(string workspaceId, LocalClusterAccessState state, CancellationToken cancellationToken)
    {
        var client = cluster.Client;
        V1Secret session;
        try
        {
            session = await client.CoreV1.ReadNamespacedSecretAsync(ClusterAccessBuilder.SessionName, state.Namespace, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            var workspace = LocalClusterAccessBuilder.Resource(workspaceId, state.OwnerUid, new ClusterAccessLaunch(state.Namespace, null));
            session = await client.CoreV1.CreateNamespacedSecretAsync(ClusterAccessBuilder.Session(workspace), state.Namespace, cancellationToken: cancellationToken);
        }

        var lifetime = Options.TokenLifetime;
        var issued = await client.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest
            {
                Spec = new V1TokenRequestSpec
                {
                    ExpirationSeconds = (long)lifetime.TotalSeconds,
                    BoundObjectRef = new V1BoundObjectReference { ApiVersion = "v1", Kind = "Secret", Name = session.Metadata.Name, Uid = session.Metadata.Uid },
                },
            },
            ClusterAccessBuilder.ServiceAccountName,
            state.Namespace,
            cancellationToken: cancellationToken);

        var now = timeProvider.GetUtcNow();
        var expiresAt = issued.Status.ExpirationTimestamp is { } e2 ? new DateTimeOffset(DateTime.SpecifyKind(e2, DateTimeKind.Utc)) : now + lifetime;
        // Renewal follows this clock from now, whatever the API server's says.
        var validFor = expiresAt - now > lifetime ? lifetime : expiresAt - now;
        WriteKubeconfig(workspaceId, state, issued.Status.Token);
        LogTokenIssued(state.Namespace, validFor.TotalSeconds);
        return state with { TokenExpiresAt = now + validFor };
    }

    private void WriteKubeconfig(string workspaceId, LocalClusterAccessState state, string token)
    {
        var directory = KubeDirectory(workspaceId);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            // Made private from its first instant, and made so again should it exist with a wider mode (left by a crash).
            const UnixFileMode privateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            Directory.CreateDirectory(directory, privateDirectory);
            File.SetUnixFileMode(directory, privateDirectory);
        }

        var ca = cluster.CaPem;
        Replace(workspaceId, Path.Combine(directory, LocalClusterAccessBuilder.TokenFile), token);
        if (ca.Length > 0)
        {
            Replace(workspaceId, Path.Combine(directory, LocalClusterAccessBuilder.CaFile), ca);
        }

        Replace(workspaceId, Path.Combine(directory, LocalClusterAccessBuilder.ConfigFile),
            LocalClusterAccessBuilder.Kubeconfig(cluster.Server, state.Namespace, state.InsideDirectory, ca.Length > 0, cluster.SkipTlsVerify, cluster.TlsServerName));
    }

    /// <summary>
    /// Written aside and renamed over (a reader never sees half a token), readable by its owner only: the service's user,
    /// or the workspace's own user id when the service runs as root and gives each workspace one.
    /// </summary>
    private void Replace(string workspaceId, string path, string content)
    {
        var temporary = path + ".tmp";
        File.Delete(temporary);
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, create))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }

        if (WorkspaceUid(workspaceId) is { } uid)
        {
            SandboxNative.ChownOne(temporary, uid, uid, link: false);
            SandboxNative.ChownOne(Path.GetDirectoryName(path)!, uid, uid, link: false);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private int? WorkspaceUid(string workspaceId)
    {
        if (!SandboxNative.IsRoot)
        {
            return null;
        }

        try
        {
            return int.TryParse(File.ReadAllText(WorkspaceSandbox.UidFile(Root, workspaceId)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var uid) ? uid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void DeleteKubeDirectory(string workspaceId)
    {
        var directory = KubeDirectory(workspaceId);
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Whether the namespace of <paramref name="state"/> is still the one this workspace made, and not being deleted.</summary>
    private async Task<bool> IsStillOursAsync(string workspaceId, LocalClusterAccessState state, CancellationToken cancellationToken)
    {
        try
        {
            var existing = await cluster.Client.CoreV1.ReadNamespaceAsync(state.Namespace, cancellationToken: cancellationToken);
            return existing.Metadata.DeletionTimestamp is null && IsOurs(existing, workspaceId, state.OwnerUid);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            return false;
        }
    }

    private static bool IsOurs(V1Namespace ns, string workspaceId, string ownerUid)
    {
        var labels = ns.Metadata.Labels ?? new Dictionary<string, string>();
        var annotations = ns.Metadata.Annotations ?? new Dictionary<string, string>();
        return labels.TryGetValue(Kubernetes.Resources.WorkspaceResourceBuilder.WorkspaceLabel, out var of) && of == workspaceId
            && labels.TryGetValue(ClusterAccessBuilder.WorkspaceNamespaceLabel, out var from) && from == LocalClusterAccessBuilder.LocalMarker
            && annotations.TryGetValue(ClusterAccessBuilder.OwnerUidAnnotation, out var uid) && uid == ownerUid;
    }

    /// <summary>Why the cluster could not do it, for the user; null for errors that are bugs (they propagate).</summary>
    private string? Unreachable(Exception e) => e switch
    {
        // Its message may carry a credential plugin's output: for the server's log, not for the workspace's events.
        k8s.Exceptions.KubeConfigException k => LogKubeconfigUnusable(k),
        HttpOperationException h when h.Response?.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized =>
            $"refused the administrator's credentials ({(int)h.Response.StatusCode}): {KubernetesErrors.Message(h)}.",
        HttpOperationException h => $"answered {(int?)h.Response?.StatusCode}: {KubernetesErrors.Message(h)}",
        HttpRequestException r => $"cannot be reached: {r.Message}",
        TaskCanceledException t when t.InnerException is TimeoutException => "did not answer in time.",
        ClusterUnavailableException u => u.Message,
        IOException io => $"cannot be used: {io.Message}",
        _ => null,
    };

    private string SafeServer()
    {
        try
        {
            return cluster.Server.GetLeftPart(UriPartial.Authority);
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException)
        {
            // Not the kubeconfig's path: this message reaches the workspace's users.
            return "configured for this server";
        }
    }

    private string LogKubeconfigUnusable(k8s.Exceptions.KubeConfigException e)
    {
        LogKubeconfigFailed(e);
        return "cannot be used with the administrator's kubeconfig (the server's log says why).";
    }

    private sealed class ClusterUnavailableException(string message) : Exception(message);

    private void Report(string workspaceId, string kind, string message) => Reported?.Invoke(new WorkspaceRuntimeEvent(workspaceId, kind, message));

    private LocalClusterAccessState? ReadState(string workspaceId)
    {
        try
        {
            using var stream = File.OpenRead(StatePath(workspaceId));
            return JsonSerializer.Deserialize<LocalClusterAccessState>(stream, Json);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            LogStateUnreadable(workspaceId, e.Message);
            return null;
        }
    }

    private void WriteState(string workspaceId, LocalClusterAccessState state)
    {
        var path = StatePath(workspaceId);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(state, Json));
        File.Move(temporary, path, overwrite: true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created development namespace {Namespace} in the administrator's cluster")]
    private partial void LogNamespaceCreated(string @namespace);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleting development namespace {Namespace}")]
    private partial void LogNamespaceDeleting(string @namespace);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Development namespace {Namespace} is stuck terminating")]
    private partial void LogNamespaceStuck(string @namespace);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Issued a token for {Namespace}, valid {Seconds} s")]
    private partial void LogTokenIssued(string @namespace, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workspace {WorkspaceId} starts without cluster access: the cluster {Why}")]
    private partial void LogUnavailable(string workspaceId, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The session of workspace {WorkspaceId} could not be deleted (its token lives until it expires): the cluster {Why}")]
    private partial void LogRevokeFailed(string workspaceId, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking the cluster access of workspace {WorkspaceId} failed: the cluster {Why}")]
    private partial void LogCheckFailed(string workspaceId, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workspace {WorkspaceId} is deleted while no cluster is configured: its namespace {Namespace} is left in the cluster")]
    private partial void LogLeftBehind(string workspaceId, string @namespace);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The administrator's kubeconfig cannot be used")]
    private partial void LogKubeconfigFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster access record of workspace {WorkspaceId} is unreadable: {Problem}")]
    private partial void LogStateUnreadable(string workspaceId, string problem);
}
