using System.Net;
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
    private readonly KeyedLocks _locks = new();
    private readonly LocalClusterAccessStore _store = new(local.Value.WorkspacesDirectory, logger);
    private readonly LocalKubeconfigFiles _files = new(cluster, local.Value.WorkspacesDirectory);

    /// <summary>How long a delete waits for the namespace to go before it says it is still terminating (and is retried).</summary>
    public TimeSpan DeleteWait { get; set; } = TimeSpan.FromSeconds(10);

    public event Action<WorkspaceRuntimeEvent>? Reported;

    public bool Configured => cluster.Configured;

    private LocalClusterAccessOptions Options => cluster.Options;

    public string KubeDirectory(string workspaceId) => _files.DirectoryOf(workspaceId);

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

        var previous = _store.Read(workspaceId);
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
            await LocalNamespaceObjects.EnsureAsync(cluster.Client, workspace, Options, LogNamespaceCreated, cancellationToken);
            state = await IssueTokenAsync(workspaceId, state, cancellationToken) with { PreparedAt = timeProvider.GetUtcNow() };
            _store.Write(workspaceId, state);
            return new LocalKubeconfig(KubeDirectory(workspaceId), inside, cluster.LoopbackPort);
        }
        catch (Exception e) when (Unreachable(e) is { } why)
        {
            _files.Delete(workspaceId);
            // Remembered so that a later delete still finds what was created before the failure; with no token, so that
            // the renewals leave this start (which has no kubeconfig) alone. A token a failed stop left is not retried:
            // its file is gone and it expires within TokenLifetime.
            _store.Write(workspaceId, (previous ?? state) with { TokenExpiresAt = null, PreparedAt = null });

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
        _files.Delete(workspaceId);
        if (_store.Read(workspaceId) is not { TokenExpiresAt: not null } state || !Configured)
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

            _store.Write(workspaceId, state with { TokenExpiresAt = null });
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
        if (_store.Read(workspaceId) is not { } state)
        {
            return;
        }

        if (!Configured)
        {
            LogLeftBehind(workspaceId, state.Namespace);
            _store.Delete(workspaceId);
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

        _store.Delete(workspaceId);
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

            if (!LocalNamespaceObjects.IsOurs(existing, workspaceId, state.OwnerUid))
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
                    _store.Write(workspaceId, state with { TerminatingSince = since });
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

                _store.Write(workspaceId, state with { TerminatingSince = since, StuckReported = true });
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
        if (!Configured)
        {
            return;
        }

        foreach (var workspaceId in _store.WorkspaceIds())
        {
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
        if (_store.Read(workspaceId) is not { TokenExpiresAt: { } expires } state)
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
            _files.Delete(workspaceId);
            _store.Write(workspaceId, state with { TokenExpiresAt = null });
            Report(workspaceId, "cluster-access-lost", $"The development namespace {state.Namespace} was deleted outside Workspaces: this workspace's kubeconfig is removed. Restart the workspace to get a new namespace.");
            return;
        }

        if (timeProvider.GetUtcNow() >= expires - (Options.TokenLifetime / 2))
        {
            state = await IssueTokenAsync(workspaceId, state, cancellationToken);
        }

        state = await CheckQuotaAsync(workspaceId, state, cancellationToken);
        _store.Write(workspaceId, state);
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

    /// <summary>A token bound to the namespace's session secret (made if missing), written beside the kubeconfig and the CA.</summary>
    private async Task<LocalClusterAccessState> IssueTokenAsync(string workspaceId, LocalClusterAccessState state, CancellationToken cancellationToken)
    {
        var workspace = LocalClusterAccessBuilder.Resource(workspaceId, state.OwnerUid, new ClusterAccessLaunch(state.Namespace, null));
        var now = timeProvider.GetUtcNow();
        var issued = await SessionTokens.IssueAsync(cluster.Client, workspace, Options.TokenLifetime, now, cancellationToken);
        _files.Write(workspaceId, state.Namespace, state.InsideDirectory, issued.Token);
        LogTokenIssued(state.Namespace, issued.ValidFor.TotalSeconds);
        return state with { TokenExpiresAt = now + issued.ValidFor };
    }

    /// <summary>Whether the namespace of <paramref name="state"/> is still the one this workspace made, and not being deleted.</summary>
    private async Task<bool> IsStillOursAsync(string workspaceId, LocalClusterAccessState state, CancellationToken cancellationToken)
    {
        try
        {
            var existing = await cluster.Client.CoreV1.ReadNamespaceAsync(state.Namespace, cancellationToken: cancellationToken);
            return existing.Metadata.DeletionTimestamp is null && LocalNamespaceObjects.IsOurs(existing, workspaceId, state.OwnerUid);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            return false;
        }
    }

    /// <summary>Why the cluster could not do it, for the user; null for errors that are bugs (they propagate).</summary>
    private string? Unreachable(Exception e) => e switch
    {
        // Its message may carry a credential plugin's output: for the server's log, not for the workspace's events.
        k8s.Exceptions.KubeConfigException k => LogKubeconfigUnusable(k),
        HttpOperationException h when h.Response?.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized =>
            $"refused the administrator's credentials ({(int)h.Response.StatusCode}): {WithoutIdentity(KubernetesErrors.Message(h))}.",
        HttpOperationException h => $"answered {(int?)h.Response?.StatusCode}: {WithoutIdentity(KubernetesErrors.Message(h))}",
        HttpRequestException r => $"cannot be reached: {r.Message}",
        TaskCanceledException t when t.InnerException is TimeoutException => "did not answer in time.",
        LocalClusterUnavailableException u => u.Message,
        IOException io => $"cannot be used: {io.Message}",
        _ => null,
    };

    /// <summary>
    /// An authorizer's refusal names the user it refused (<c>User "kind-admin" cannot …</c>): the administrator's identity
    /// is for the server's log, not for every member of the workspace's project, who read its events.
    /// </summary>
    internal static string WithoutIdentity(string message) => RefusedUser().Replace(message, "the administrator's user");

    [System.Text.RegularExpressions.GeneratedRegex("""[Uu]sers? "(?:[^"\\]|\\.)*"|system:serviceaccount:[a-z0-9.:-]+""")]
    private static partial System.Text.RegularExpressions.Regex RefusedUser();

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

    private void Report(string workspaceId, string kind, string message) => Reported?.Invoke(new WorkspaceRuntimeEvent(workspaceId, kind, message));

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

}
