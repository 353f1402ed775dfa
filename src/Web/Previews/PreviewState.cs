using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workspaces.Data;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;
using Workspaces.Web.Workspaces;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.Web.Previews;

/// <summary>What the proxy needs to know about a workspace to route and authorize a preview request.</summary>
/// <param name="AgentUrl">Where the runtime says the agent listens (null unless the workspace runs): its host is the
/// workspace's network address (loopback for local processes, the pod for Kubernetes), its port is never previewed.</param>
/// <param name="Visibility">The owner's choices per port; ports without one use the configuration's, else private.</param>
public sealed record PreviewTarget(string WorkspaceId, string OwnerId, bool Running, Uri? AgentUrl, IReadOnlyDictionary<int, PortVisibility> Visibility);

/// <summary>A share link as the proxy checks it on every request.</summary>
public sealed record ShareLinkState(string Id, string WorkspaceId, int Port, string? Label, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt);

/// <summary>
/// The proxy's short-lived copy of workspace and share-link state. A preview request must not cost a database query
/// (dev servers load hundreds of modules per page), so entries live <see cref="PreviewOptions.StateCacheLifetime"/> and
/// changes made in this process (visibility, revocations, workspace updates from the status feed) drop them at once.
/// </summary>
public sealed class PreviewState(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    IWorkspaceRuntime runtime,
    WorkspaceStatusFeed feed,
    IOptions<PreviewOptions> options,
    TimeProvider time) : BackgroundService
{
    private readonly ConcurrentDictionary<string, Cached<PreviewTarget?>> _targets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Cached<ShareLinkState?>> _links = new(StringComparer.Ordinal);

    public async ValueTask<PreviewTarget?> GetTargetAsync(string workspaceId, CancellationToken cancellationToken)
    {
        if (_targets.TryGetValue(workspaceId, out var cached) && cached.IsFresh(time))
        {
            return cached.Value;
        }

        var target = await LoadTargetAsync(workspaceId, cancellationToken);
        _targets[workspaceId] = new Cached<PreviewTarget?>(target, time.GetTimestamp() + Lifetime);
        return target;
    }

    public async ValueTask<ShareLinkState?> GetShareLinkAsync(string linkId, CancellationToken cancellationToken)
    {
        if (_links.TryGetValue(linkId, out var cached) && cached.IsFresh(time))
        {
            return cached.Value;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var link = await db.PreviewShareLinks.AsNoTracking()
            .Where(l => l.Id == linkId)
            .Select(l => new ShareLinkState(l.Id, l.WorkspaceId, l.Port, l.Label, l.ExpiresAt, l.RevokedAt))
            .FirstOrDefaultAsync(cancellationToken);
        _links[linkId] = new Cached<ShareLinkState?>(link, time.GetTimestamp() + Lifetime);
        return link;
    }

    /// <summary>The workspace's port as the agent last reported it (null: nothing listens there, as far as we know).</summary>
    public WorkspacePort? GetPort(string workspaceId, int port) =>
        feed.GetAgentStatus(workspaceId)?.Ports.FirstOrDefault(p => p.Port == port);

    /// <summary>The visibility in force: the owner's choice, else the configuration's, else private.</summary>
    public PortVisibility EffectiveVisibility(PreviewTarget target, int port) =>
        target.Visibility.TryGetValue(port, out var chosen) ? chosen : GetPort(target.WorkspaceId, port)?.Visibility ?? PortVisibility.Private;

    public void Forget(string workspaceId) => _targets.TryRemove(workspaceId, out _);

    public void ForgetShareLink(string linkId) => _links.TryRemove(linkId, out _);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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

    private long Lifetime => (long)(options.Value.StateCacheLifetime.TotalSeconds * time.TimestampFrequency);

    private async Task<PreviewTarget?> LoadTargetAsync(string workspaceId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var workspace = await db.Workspaces.AsNoTracking()
            .Where(w => w.Id == workspaceId && w.DesiredState != DesiredState.Deleted)
            .Select(w => new { w.OwnerId, w.DesiredState })
            .FirstOrDefaultAsync(cancellationToken);
        if (workspace is null)
        {
            return null;
        }

        var visibility = await db.PreviewPortSettings.AsNoTracking()
            .Where(p => p.WorkspaceId == workspaceId)
            .ToDictionaryAsync(p => p.Port, p => p.Visibility, cancellationToken);
        Uri? agentUrl = null;
        if (workspace.DesiredState == DesiredState.Running)
        {
            var observed = await runtime.ObserveAsync(workspaceId, cancellationToken);
            agentUrl = observed.State == RuntimeState.Running ? observed.AgentUrl : null;
        }

        return new PreviewTarget(workspaceId, workspace.OwnerId, agentUrl is not null, agentUrl, visibility);
    }

    private readonly record struct Cached<T>(T Value, long FreshUntil)
    {
        public bool IsFresh(TimeProvider time) => time.GetTimestamp() < FreshUntil;
    }
}
