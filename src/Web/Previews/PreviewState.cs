using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workspaces.Data;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;
using Workspaces.Shared.Threading;
using Workspaces.Web.Agents;
using Workspaces.Web.Workspaces;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.Web.Previews;

/// <summary>What the proxy needs to know about a workspace to route and authorize a preview request.</summary>
/// <param name="AgentUrl">Where the runtime says the agent listens (null unless the workspace runs): its host is the
/// workspace's network address (loopback for local processes, the pod for Kubernetes), its port is never previewed.</param>
/// <param name="Visibility">The owner's choices per port; ports without one use the configuration's, else private.</param>
/// <param name="AgentSecret">The agent's secret while it runs, for the relay through the agent (<see cref="PreviewRelay"/>).</param>
/// <param name="ServiceVisibility">The owner's choices per port of a Service in the development namespace (others are private).</param>
public sealed record PreviewTarget(
    string WorkspaceId, string OwnerId, bool Running, Uri? AgentUrl, IReadOnlyDictionary<int, PortVisibility> Visibility, string? AgentSecret = null,
    IReadOnlyDictionary<(string Service, int Port), PortVisibility>? ServiceVisibility = null)
{
    public override string ToString() => $"PreviewTarget {{ WorkspaceId = {WorkspaceId}, Running = {Running}, AgentUrl = {AgentUrl} }}";
}

/// <summary>A share link as the proxy checks it on every request.</summary>
/// <param name="Service">The Service whose port the link opens; empty for a port of the workspace.</param>
public sealed record PreviewShareLinkState(string Id, string WorkspaceId, int Port, string? Label, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt, string Service = "")
{
    /// <summary>Whether the link is for this very preview origin.</summary>
    public bool IsFor(PreviewHost preview) => WorkspaceId == preview.WorkspaceId && Port == preview.Port && Service == (preview.Service ?? "");
}

/// <summary>
/// The proxy's short-lived copy of workspace and share-link state. A preview request must not cost a database query
/// (dev servers load hundreds of modules per page), so entries live <see cref="PreviewOptions.StateCacheLifetime"/> and
/// changes made in this process (visibility, revocations, workspace updates from the status feed) drop them at once.
/// </summary>
public sealed class PreviewState(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    IWorkspaceRuntime runtime,
    IWorkspaceServices services,
    AgentSecrets agentSecrets,
    WorkspaceStatusFeed feed,
    IOptions<PreviewOptions> options,
    TimeProvider time) : BackgroundService
{
    private readonly ConcurrentDictionary<string, Cached<PreviewTarget?>> _targets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Cached<PreviewShareLinkState?>> _links = new(StringComparer.Ordinal);

    // Every preview request asks: a fresh, loaded entry is answered synchronously, with no closure, task or state machine.
    public ValueTask<PreviewTarget?> GetTargetAsync(string workspaceId, CancellationToken cancellationToken) =>
        TryGetFresh(_targets, workspaceId, out var found)
            ? new ValueTask<PreviewTarget?>(found)
            : GetAsync(_targets, workspaceId, () => LoadTargetAsync(workspaceId, CancellationToken.None), cancellationToken);

    public ValueTask<PreviewShareLinkState?> GetShareLinkAsync(string linkId, CancellationToken cancellationToken) =>
        TryGetFresh(_links, linkId, out var found)
            ? new ValueTask<PreviewShareLinkState?>(found)
            : GetAsync(_links, linkId, () => LoadShareLinkAsync(linkId), cancellationToken);

    /// <summary>The workspace's port as the agent last reported it (null: nothing listens there, as far as we know).</summary>
    public WorkspacePort? GetPort(string workspaceId, int port)
    {
        if (feed.GetAgentStatus(workspaceId)?.Ports is not { } ports)
        {
            return null;
        }

        for (var i = 0; i < ports.Count; i++)
        {
            if (ports[i].Port == port)
            {
                return ports[i];
            }
        }

        return null;
    }

    /// <summary>
    /// The Service and port the runtime reports for the workspace (the controller's status), or null: only those are
    /// ever proxied to, so no one can name another host inside the cluster.
    /// </summary>
    public (ClusterService Service, ClusterServicePort Port)? GetServicePort(string workspaceId, string service, int port)
    {
        foreach (var reported in services.GetServices(workspaceId))
        {
            if (reported.Name == service && ServiceNames.IsValid(reported.Name) && ServiceNames.IsValid(reported.Namespace))
            {
                foreach (var p in reported.Ports)
                {
                    if (p.Port == port)
                    {
                        return (reported, p);
                    }
                }
            }
        }

        return null;
    }

    /// <summary>The visibility in force for a preview: a workspace port's as below; a Service's port the owner's choice, else private.</summary>
    public PortVisibility EffectiveVisibility(PreviewTarget target, PreviewHost preview) =>
        preview.Service is { } service
            ? target.ServiceVisibility is { } chosen && chosen.TryGetValue((service, preview.Port), out var visibility) ? visibility : PortVisibility.Private
            : EffectiveVisibility(target, preview.Port);

    /// <summary>The visibility in force: the owner's choice, else the configuration's, else private.</summary>
    public PortVisibility EffectiveVisibility(PreviewTarget target, int port) =>
        EffectiveVisibility(target, port, GetPort(target.WorkspaceId, port));

    /// <summary>The same, with the port as <see cref="GetPort"/> found it (the proxy looks it up once per request).</summary>
    public static PortVisibility EffectiveVisibility(PreviewTarget target, int port, WorkspacePort? reported) =>
        target.Visibility.TryGetValue(port, out var chosen) ? chosen : reported?.Visibility ?? PortVisibility.Private;

    public void Forget(string workspaceId) => _targets.TryRemove(workspaceId, out _);

    public void ForgetShareLink(string linkId) => _links.TryRemove(linkId, out _);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await ThreadPoolSynchronizationContext.Instance.SwitchTo();
        try
        {
            await foreach (var change in feed.SubscribeAsync(c => c.Kind != WorkspaceChangeKind.AgentStatus, stoppingToken))
            {
                Forget(change.WorkspaceId);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private bool TryGetFresh<T>(ConcurrentDictionary<string, Cached<T>> cache, string key, out T value)
    {
        if (cache.TryGetValue(key, out var cached) && time.GetTimestamp() < cached.FreshUntil && cached.TryGetLoaded(out value))
        {
            return true;
        }

        value = default!;
        return false;
    }

    /// <summary>
    /// The cached value, or one load shared by every request that finds it stale (a burst of requests at expiry costs
    /// one query, not one each). A failed load is not cached.
    /// </summary>
    private async ValueTask<T> GetAsync<T>(ConcurrentDictionary<string, Cached<T>> cache, string key, Func<Task<T>> load, CancellationToken cancellationToken)
    {
        while (true)
        {
            var now = time.GetTimestamp();
            if (cache.TryGetValue(key, out var cached) && now < cached.FreshUntil)
            {
                return await cached.Value.WaitAsync(cancellationToken);
            }

            var loading = new Cached<T>(new Lazy<Task<T>>(load), now + Lifetime);
            var won = cached is null ? cache.TryAdd(key, loading) : cache.TryUpdate(key, loading, cached);
            if (!won)
            {
                continue;
            }

            try
            {
                return await loading.Value.WaitAsync(cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                cache.TryRemove(new KeyValuePair<string, Cached<T>>(key, loading));
                throw;
            }
        }
    }

    private async Task<PreviewShareLinkState?> LoadShareLinkAsync(string linkId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return await db.PreviewShareLinks.AsNoTracking()
            .Where(l => l.Id == linkId)
            .Select(l => new PreviewShareLinkState(l.Id, l.WorkspaceId, l.Port, l.Label, l.ExpiresAt, l.RevokedAt, l.Service))
            .FirstOrDefaultAsync();
    }

    private long Lifetime => (long)(options.Value.StateCacheLifetime.TotalSeconds * time.TimestampFrequency);

    private async Task<PreviewTarget?> LoadTargetAsync(string workspaceId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var workspace = await db.Workspaces.AsNoTracking()
            .Where(w => w.Id == workspaceId && w.DesiredState != DesiredState.Deleted)
            .Select(w => new { w.OwnerId, w.DesiredState, w.ProtectedAgentSecret })
            .FirstOrDefaultAsync(cancellationToken);
        if (workspace is null)
        {
            return null;
        }

        var settings = await db.PreviewPortSettings.AsNoTracking()
            .Where(p => p.WorkspaceId == workspaceId)
            .Select(p => new { p.Service, p.Port, p.Visibility })
            .ToListAsync(cancellationToken);
        var visibility = settings.Where(p => p.Service.Length == 0).ToDictionary(p => p.Port, p => p.Visibility);
        var serviceVisibility = settings.Where(p => p.Service.Length > 0).ToDictionary(p => (p.Service, p.Port), p => p.Visibility);
        Uri? agentUrl = null;
        if (workspace.DesiredState == DesiredState.Running)
        {
            var observed = await runtime.ObserveAsync(workspaceId, cancellationToken);
            agentUrl = observed.State == RuntimeState.Running ? observed.AgentUrl : null;
        }

        var secret = agentUrl is null ? null : agentSecrets.Reveal(workspace.ProtectedAgentSecret);
        return new PreviewTarget(workspaceId, workspace.OwnerId, agentUrl is not null, agentUrl, visibility, secret, serviceVisibility);
    }

    /// <summary>A reference type, so that a stale entry is replaced only by the request that saw it (compare-and-swap).</summary>
    private sealed class Cached<T>(Lazy<Task<T>> load, long freshUntil)
    {
        public Task<T> Value => load.Value;

        public bool TryGetLoaded(out T value)
        {
            if (load.IsValueCreated && load.Value.IsCompletedSuccessfully)
            {
                value = load.Value.Result;
                return true;
            }

            value = default!;
            return false;
        }

        public long FreshUntil { get; } = freshUntil;
    }
}
