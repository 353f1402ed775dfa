using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workspaces.Data;
using Workspaces.Data.Previews;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;
using Workspaces.Web.Audit;
using Workspaces.Web.Authorization;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Previews;

/// <summary>A port as its owner sees it: what listens, its URL, who may open it, its share links.</summary>
/// <param name="Service">For a port of a Service in the workspace's development namespace, the Service's name; null for a port of the workspace.</param>
/// <param name="Unavailable">Why the port cannot be previewed (then <paramref name="Url"/> is empty), or null.</param>
public sealed record PortView(
    int Port, string? Name, bool Listening, PortOnOpen OnOpen, PortVisibility Visibility, string Url, IReadOnlyList<PreviewShareLinkView> ShareLinks,
    string? Service = null, string? Unavailable = null)
{
    /// <summary>What the panel calls it: "3000" or "svc/api :8080".</summary>
    public string Title => Service is null ? Port.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"svc/{Service} :{Port}";
}

public sealed record PreviewShareLinkView(
    string Id, int Port, string? Label, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, int UseCount, bool Active, string? Service = null);

/// <summary>A new share link: <see cref="Url"/> carries the token, shown this once and stored only hashed.</summary>
public sealed record CreatedPreviewShareLink(PreviewShareLinkView Link, string Url);

/// <summary>The owner's side of previews: ports, visibility, share links, and the history of who opened what.</summary>
public sealed partial class PreviewService(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    PreviewState state,
    PreviewConnections connections,
    WorkspaceStatusFeed feed,
    WorkspaceController.Runtime.IWorkspaceServices services,
    AuditLog audit,
    IOptions<PreviewOptions> options,
    TimeProvider time,
    ILogger<PreviewService> logger)
{
    public const string VisibilityEvent = "preview-visibility";
    public const string LinkCreatedEvent = "preview-link-created";
    public const string LinkUsedEvent = "preview-link-used";
    public const string LinkRevokedEvent = "preview-link-revoked";

    /// <summary>The fields a refused share link names (the API's request fields).</summary>
    public const string ExpiryField = "expiresIn";

    public const string LabelField = "label";

    private const string TokenPrefix = "wsl_";
    private static readonly TimeSpan LastUseWriteInterval = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastUseWritten = new(StringComparer.Ordinal);

    /// <summary>The token's stored form: lowercase hex SHA-256.</summary>
    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>The workspace's ports (listening, declared, or with a visibility or share link), or null if not the owner's.</summary>
    public async Task<IReadOnlyList<PortView>?> ListPortsAsync(string ownerId, string workspaceId, string ideScheme, HostString ideHost, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await OwnsAsync(db, ownerId, workspaceId, cancellationToken))
        {
            return null;
        }

        var allSettings = await db.PreviewPortSettings.AsNoTracking().Where(p => p.WorkspaceId == workspaceId).ToListAsync(cancellationToken);
        var settings = allSettings.Where(p => p.Service.Length == 0).ToDictionary(p => p.Port, p => p.Visibility);
        var allLinks = await db.PreviewShareLinks.AsNoTracking().Where(l => l.WorkspaceId == workspaceId).OrderByDescending(l => l.CreatedAt).ToListAsync(cancellationToken);
        var links = allLinks.Where(l => l.Service.Length == 0).ToList();
        var reported = feed.GetAgentStatus(workspaceId)?.Ports ?? [];
        var now = time.GetUtcNow();
        var numbers = reported.Select(p => p.Port).Concat(settings.Keys).Concat(links.Where(l => IsActive(l, now)).Select(l => l.Port)).Distinct().Order();
        return [.. numbers.Select(port =>
        {
            var agent = reported.FirstOrDefault(p => p.Port == port);
            var visibility = settings.TryGetValue(port, out var chosen) ? chosen : agent?.Visibility ?? PortVisibility.Private;
            var url = new PreviewHost(port, workspaceId).Origin(options.Value, ideScheme, ideHost) + "/";
            return new PortView(
                port,
                agent?.Name,
                agent?.Listening ?? false,
                agent?.OnOpen ?? PortOnOpen.Notify,
                visibility,
                url,
                [.. links.Where(l => l.Port == port).Select(l => View(l, now))]);
        }), .. ListServicePorts(workspaceId, allSettings, allLinks, now, ideScheme, ideHost)];
    }

    /// <summary>
    /// The ports of the development namespace's Services the runtime reports, and of those no longer reported that still
    /// have an active share link (so it can be revoked).
    /// </summary>
    private IEnumerable<PortView> ListServicePorts(string workspaceId, List<PreviewPortSetting> settings, List<PreviewShareLink> links, DateTimeOffset now, string ideScheme, HostString ideHost)
    {
        var reported = services.GetServices(workspaceId).SelectMany(s => s.Ports.Select(p => (Service: s.Name, p.Port, p.Name))).ToList();
        var linked = links.Where(l => l.Service.Length > 0 && IsActive(l, now)).Select(l => (l.Service, l.Port, Name: (string?)null));
        foreach (var (service, port, name) in reported.Concat(linked.Where(l => !reported.Any(r => r.Service == l.Service && r.Port == l.Port))).DistinctBy(p => (p.Service, p.Port)).OrderBy(p => p.Service, StringComparer.Ordinal).ThenBy(p => p.Port))
        {
            var preview = new PreviewHost(port, workspaceId, service);
            var visibility = settings.FirstOrDefault(s => s.Service == service && s.Port == port)?.Visibility ?? PortVisibility.Private;
            var fits = preview.FitsInALabel;
            yield return new PortView(
                port,
                name,
                reported.Any(r => r.Service == service && r.Port == port),
                PortOnOpen.Ignore,
                visibility,
                fits ? preview.Origin(options.Value, ideScheme, ideHost) + "/" : "",
                [.. links.Where(l => l.Service == service && l.Port == port).Select(l => View(l, now))],
                service,
                fits ? null : TooLong(preview));
        }
    }

    private static string TooLong(PreviewHost preview) =>
        $"The Service's name is too long for a preview address ({preview.Label.Length} characters of at most {PreviewHost.MaxLabelLength} for “{preview.Label}”); give the Service a shorter name to preview it.";

    public async Task<Outcome<bool>> SetVisibilityAsync(string ownerId, string who, string workspaceId, int port, PortVisibility visibility, string? service, CancellationToken cancellationToken)
    {
        var preview = new PreviewHost(port, workspaceId, service);
        if (await CheckPortAsync(ownerId, preview, cancellationToken) is { } refused)
        {
            return refused;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (visibility == PortVisibility.Team
            && !await db.Workspaces.AnyAsync(w => w.Id == workspaceId && w.ProjectId != null && db.Projects.Any(p => p.Id == w.ProjectId), cancellationToken))
        {
            return Outcome<bool>.Invalid("visibility", "Team visibility needs a workspace opened from a team project; this one is personal. Use Private or Public.");
        }

        var serviceKey = service ?? "";
        var setting = await db.PreviewPortSettings.FirstOrDefaultAsync(p => p.WorkspaceId == workspaceId && p.Service == serviceKey && p.Port == port, cancellationToken);
        var now = time.GetUtcNow();
        if (setting is null)
        {
            db.PreviewPortSettings.Add(new PreviewPortSetting { WorkspaceId = workspaceId, Service = serviceKey, Port = port, Visibility = visibility, UpdatedAt = now });
        }
        else
        {
            setting.Visibility = visibility;
            setting.UpdatedAt = now;
        }

        db.WorkspaceEvents.Add(new WorkspaceEvent
        {
            WorkspaceId = workspaceId,
            At = now,
            Kind = VisibilityEvent,
            Message = $"{who} made {preview.Describe()} {visibility switch
            {
                PortVisibility.Public => "public: anyone with its URL can open it",
                PortVisibility.Team => "visible to the team: any signed-in member of the workspace's team can open it",
                _ => "private: only you can open it",
            }}.",
        });
        await db.SaveChangesAsync(cancellationToken);
        state.Forget(workspaceId);
        if (visibility != PortVisibility.Public)
        {
            var cut = connections.CutPublic(workspaceId, port, service) + (visibility == PortVisibility.Private ? connections.CutTeam(workspaceId, port, service) : 0);
            LogMadePrivate(workspaceId, preview, cut);
        }

        await audit.RecordAsync(ownerId, AuditActions.PortVisibilityChanged, AuditTargets.Workspace, workspaceId, $"{preview.Describe()} {visibility}", cancellationToken);

        feed.PublishUpdated(workspaceId, ownerId);
        return Outcome<bool>.Ok(true);
    }

    public async Task<Outcome<CreatedPreviewShareLink>> CreateShareLinkAsync(
        string ownerId, string who, string workspaceId, int port, string? label, TimeSpan lifetime, string ideScheme, HostString ideHost, string? service, CancellationToken cancellationToken)
    {
        var preview = new PreviewHost(port, workspaceId, service);
        if (lifetime < TimeSpan.FromMinutes(1) || lifetime > options.Value.MaxShareLinkLifetime)
        {
            return Outcome<CreatedPreviewShareLink>.Invalid(ExpiryField, "A share link must live at least a minute and at most the configured maximum (30 days by default).");
        }

        label = string.IsNullOrWhiteSpace(label) ? null : label.Trim();
        if (label is { Length: > FieldLengths.Name } || (label is not null && label.Any(char.IsControl)))
        {
            return Outcome<CreatedPreviewShareLink>.Invalid(LabelField, "The label must be at most 200 characters, without control characters.");
        }

        if (await CheckPortAsync(ownerId, preview, cancellationToken) is { } refused)
        {
            return refused.Kind == ActionOutcome.NotFound ? Outcome<CreatedPreviewShareLink>.NotFound() : Outcome<CreatedPreviewShareLink>.Invalid(refused.Field!, refused.Error!);
        }

        var token = TokenPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var link = new PreviewShareLink
        {
            Id = "lnk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10)),
            WorkspaceId = workspaceId,
            Service = service ?? "",
            Port = port,
            TokenHash = HashToken(token),
            Label = label,
            CreatedBy = ownerId,
            CreatedAt = now,
            ExpiresAt = now + lifetime,
        };
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.PreviewShareLinks.Add(link);
        db.WorkspaceEvents.Add(new WorkspaceEvent
        {
            WorkspaceId = workspaceId,
            At = now,
            Kind = LinkCreatedEvent,
            Message = $"{who} created share link {Describe(link)} for {preview.Describe()}, valid until {link.ExpiresAt:yyyy-MM-dd HH:mm} UTC.",
        });
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(ownerId, AuditActions.ShareLinkCreated, AuditTargets.Workspace, workspaceId, $"share link {link.Id} for {preview.Describe()}, until {link.ExpiresAt:u}", cancellationToken);
        feed.PublishUpdated(workspaceId, ownerId);
        var url = $"{preview.Origin(options.Value, ideScheme, ideHost)}{PreviewGrants.ReservedPathPrefix}/share/{token}";
        return Outcome<CreatedPreviewShareLink>.Ok(new CreatedPreviewShareLink(View(link, now), url));
    }

    /// <summary>Revokes a link: it stops working at once, open connections included. Not found if there is no such link of the owner's.</summary>
    public async Task<Outcome<bool>> RevokeShareLinkAsync(string ownerId, string who, string workspaceId, string linkId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await OwnsAsync(db, ownerId, workspaceId, cancellationToken))
        {
            return Outcome<bool>.NotFound();
        }

        var link = await db.PreviewShareLinks.FirstOrDefaultAsync(l => l.Id == linkId && l.WorkspaceId == workspaceId, cancellationToken);
        if (link is null)
        {
            return Outcome<bool>.NotFound();
        }

        var now = time.GetUtcNow();
        if (link.RevokedAt is null)
        {
            link.RevokedAt = now;
            db.WorkspaceEvents.Add(new WorkspaceEvent
            {
                WorkspaceId = workspaceId,
                At = now,
                Kind = LinkRevokedEvent,
                Message = $"{who} revoked share link {Describe(link)} for {Target(link).Describe()}.",
            });
            await db.SaveChangesAsync(cancellationToken);
        }

        state.ForgetShareLink(linkId);
        await audit.RecordAsync(ownerId, AuditActions.ShareLinkRevoked, AuditTargets.Workspace, workspaceId, $"share link {linkId}", cancellationToken);
        var cut = connections.CutShareLink(linkId);
        LogRevoked(workspaceId, linkId, cut);
        feed.PublishUpdated(workspaceId, ownerId);
        return Outcome<bool>.Ok(true);
    }

    /// <summary>
    /// Checks a presented token for <paramref name="preview"/>: the link, or why not. Only the hash is looked up; the
    /// stored hash is compared again in constant time.
    /// </summary>
    public async Task<(PreviewShareLink? Link, PreviewShareLinkRefusal Refusal)> RedeemAsync(string token, PreviewHost preview, string from, CancellationToken cancellationToken)
    {
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 100)
        {
            return (null, PreviewShareLinkRefusal.Unknown);
        }

        var hash = HashToken(token);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var link = await db.PreviewShareLinks.FirstOrDefaultAsync(l => l.TokenHash == hash, cancellationToken);
        if (link is null
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(link.TokenHash), Encoding.ASCII.GetBytes(hash))
            || link.WorkspaceId != preview.WorkspaceId
            || link.Port != preview.Port
            || link.Service != (preview.Service ?? ""))
        {
            return (null, PreviewShareLinkRefusal.Unknown);
        }

        var now = time.GetUtcNow();
        if (link.RevokedAt is not null)
        {
            return (null, PreviewShareLinkRefusal.Revoked);
        }

        if (link.ExpiresAt <= now)
        {
            return (null, PreviewShareLinkRefusal.Expired);
        }

        link.LastUsedAt = now;
        link.UseCount++;
        db.WorkspaceEvents.Add(new WorkspaceEvent
        {
            WorkspaceId = link.WorkspaceId,
            At = now,
            Kind = LinkUsedEvent,
            Message = $"Share link {Describe(link)} for {preview.Describe()} was opened by a visitor from {from}.",
        });
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(null, AuditActions.ShareLinkUsed, AuditTargets.Workspace, link.WorkspaceId, $"share link {link.Id} for {preview.Describe()} opened from {from}", cancellationToken);
        _lastUseWritten[link.Id] = now;
        return (link, PreviewShareLinkRefusal.None);
    }

    /// <summary>Keeps a link's "last used" current while its cookie is in use, writing at most once a minute per link.</summary>
    public async Task TouchShareLinkAsync(string linkId)
    {
        var now = time.GetUtcNow();
        if (_lastUseWritten.TryGetValue(linkId, out var written) && now - written < LastUseWriteInterval)
        {
            return;
        }

        _lastUseWritten[linkId] = now;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            await db.PreviewShareLinks.Where(l => l.Id == linkId).ExecuteUpdateAsync(s => s.SetProperty(l => l.LastUsedAt, now));
        }
        catch (Exception e) when (e is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
        {
            LogTouchFailed(e, linkId);
        }
    }

    /// <summary>Why the owner may not change the port, or null if they may.</summary>
    private async Task<Outcome<bool>?> CheckPortAsync(string ownerId, PreviewHost preview, CancellationToken cancellationToken)
    {
        var (port, workspaceId) = (preview.Port, preview.WorkspaceId);
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (!await OwnsAsync(db, ownerId, workspaceId, cancellationToken))
            {
                return Outcome<bool>.NotFound();
            }
        }

        var invalid = Outcome<bool>.Invalid("port", "The port must be 1-65535 and not the workspace agent's own port.");
        if (port is < 1 or > 65535)
        {
            return invalid;
        }

        if (preview.Service is { } service)
        {
            // Only a Service the controller reports: a name the owner types reaches nothing else in the cluster.
            if (!ServiceNames.IsValid(service) || state.GetServicePort(workspaceId, service, port) is null)
            {
                return Outcome<bool>.Invalid("service", $"The workspace's development namespace has no Service “{service}” with TCP port {port} (ExternalName Services are never previewed). Deploy it, then try again; `kubectl get services` in the workspace lists what there is.");
            }

            return preview.FitsInALabel ? null : Outcome<bool>.Invalid("service", TooLong(preview));
        }

        // The agent's port is never a preview, whatever the owner asks.
        var target = await state.GetTargetAsync(workspaceId, cancellationToken);
        return target?.AgentUrl?.Port == port ? invalid : null;
    }

    private static Task<bool> OwnsAsync(WorkspacesDbContext db, string ownerId, string workspaceId, CancellationToken cancellationToken) =>
        db.Workspaces.AnyAsync(WorkspaceService.Owned(ownerId, workspaceId), cancellationToken);

    private static bool IsActive(PreviewShareLink link, DateTimeOffset now) => link.RevokedAt is null && link.ExpiresAt > now;

    private static PreviewShareLinkView View(PreviewShareLink link, DateTimeOffset now) =>
        new(link.Id, link.Port, link.Label, link.CreatedAt, link.ExpiresAt, link.RevokedAt, link.LastUsedAt, link.UseCount, IsActive(link, now), link.Service.Length == 0 ? null : link.Service);

    private static PreviewHost Target(PreviewShareLink link) => new(link.Port, link.WorkspaceId, link.Service.Length == 0 ? null : link.Service);

    private static string Describe(PreviewShareLink link) => link.Label is null ? link.Id : $"“{link.Label}” ({link.Id})";

    private static string Base64Url(byte[] bytes) => Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Preview {Preview} of workspace {WorkspaceId} made private; {Cut} public connections cut")]
    private partial void LogMadePrivate(string workspaceId, PreviewHost preview, int cut);

    [LoggerMessage(Level = LogLevel.Information, Message = "Share link {LinkId} of workspace {WorkspaceId} revoked; {Cut} connections cut")]
    private partial void LogRevoked(string workspaceId, string linkId, int cut);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording the last use of share link {LinkId} failed")]
    private partial void LogTouchFailed(Exception exception, string linkId);
}

public enum PreviewShareLinkRefusal
{
    None,
    Unknown,
    Expired,
    Revoked,
}
