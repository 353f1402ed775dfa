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
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Previews;

/// <summary>A port as its owner sees it: what listens, its URL, who may open it, its share links.</summary>
public sealed record PortView(int Port, string? Name, bool Listening, PortOnOpen OnOpen, PortVisibility Visibility, string Url, IReadOnlyList<ShareLinkView> ShareLinks);

public sealed record ShareLinkView(string Id, int Port, string? Label, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, int UseCount, bool Active);

/// <summary>A new share link: <see cref="Url"/> carries the token, shown this once and stored only hashed.</summary>
public sealed record CreatedShareLink(ShareLinkView Link, string Url);

public enum PreviewChangeError
{
    None,
    NotFound,
    InvalidPort,
    InvalidExpiry,
    InvalidLabel,

    /// <summary>Team visibility asked for a personal workspace: it has no team (as the access policy decides: the team of its project).</summary>
    NoTeam,
}

/// <summary>The owner's side of previews: ports, visibility, share links, and the history of who opened what.</summary>
public sealed partial class PreviewService(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    PreviewState state,
    PreviewConnections connections,
    WorkspaceStatusFeed feed,
    AuditLog audit,
    IOptions<PreviewOptions> options,
    TimeProvider time,
    ILogger<PreviewService> logger)
{
    public const string VisibilityEvent = "preview-visibility";
    public const string LinkCreatedEvent = "preview-link-created";
    public const string LinkUsedEvent = "preview-link-used";
    public const string LinkRevokedEvent = "preview-link-revoked";

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

        var settings = await db.PreviewPortSettings.AsNoTracking().Where(p => p.WorkspaceId == workspaceId).ToDictionaryAsync(p => p.Port, p => p.Visibility, cancellationToken);
        var links = await db.PreviewShareLinks.AsNoTracking().Where(l => l.WorkspaceId == workspaceId).OrderByDescending(l => l.CreatedAt).ToListAsync(cancellationToken);
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
        })];
    }

    public async Task<PreviewChangeError> SetVisibilityAsync(string ownerId, string who, string workspaceId, int port, PortVisibility visibility, CancellationToken cancellationToken)
    {
        if (await CheckPortAsync(ownerId, workspaceId, port, cancellationToken) is var error and not PreviewChangeError.None)
        {
            return error;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (visibility == PortVisibility.Team
            && !await db.Workspaces.AnyAsync(w => w.Id == workspaceId && w.ProjectId != null && db.Projects.Any(p => p.Id == w.ProjectId), cancellationToken))
        {
            return PreviewChangeError.NoTeam;
        }

        var setting = await db.PreviewPortSettings.FirstOrDefaultAsync(p => p.WorkspaceId == workspaceId && p.Port == port, cancellationToken);
        var now = time.GetUtcNow();
        if (setting is null)
        {
            db.PreviewPortSettings.Add(new PreviewPortSetting { WorkspaceId = workspaceId, Port = port, Visibility = visibility, UpdatedAt = now });
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
            Message = $"{who} made port {port} {visibility switch
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
            var cut = connections.CutPublic(workspaceId, port) + (visibility == PortVisibility.Private ? connections.CutTeam(workspaceId, port) : 0);
            LogMadePrivate(workspaceId, port, cut);
        }

        await audit.RecordAsync(ownerId, AuditActions.PortVisibilityChanged, AuditTargets.Workspace, workspaceId, $"port {port} {visibility}", cancellationToken);

        feed.PublishUpdated(workspaceId, ownerId);
        return PreviewChangeError.None;
    }

    public async Task<(CreatedShareLink? Link, PreviewChangeError Error)> CreateShareLinkAsync(
        string ownerId, string who, string workspaceId, int port, string? label, TimeSpan lifetime, string ideScheme, HostString ideHost, CancellationToken cancellationToken)
    {
        if (lifetime < TimeSpan.FromMinutes(1) || lifetime > options.Value.MaxShareLinkLifetime)
        {
            return (null, PreviewChangeError.InvalidExpiry);
        }

        label = string.IsNullOrWhiteSpace(label) ? null : label.Trim();
        if (label is { Length: > FieldLengths.Name } || (label is not null && label.Any(char.IsControl)))
        {
            return (null, PreviewChangeError.InvalidLabel);
        }

        if (await CheckPortAsync(ownerId, workspaceId, port, cancellationToken) is var error and not PreviewChangeError.None)
        {
            return (null, error);
        }

        var token = TokenPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var link = new PreviewShareLink
        {
            Id = "lnk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10)),
            WorkspaceId = workspaceId,
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
            Message = $"{who} created share link {Describe(link)} for port {port}, valid until {link.ExpiresAt:yyyy-MM-dd HH:mm} UTC.",
        });
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(ownerId, AuditActions.ShareLinkCreated, AuditTargets.Workspace, workspaceId, $"share link {link.Id} for port {port}, until {link.ExpiresAt:u}", cancellationToken);
        feed.PublishUpdated(workspaceId, ownerId);
        var url = $"{new PreviewHost(port, workspaceId).Origin(options.Value, ideScheme, ideHost)}{PreviewGrants.ReservedPathPrefix}/share/{token}";
        return (new CreatedShareLink(View(link, now), url), PreviewChangeError.None);
    }

    /// <summary>Revokes a link: it stops working at once, open connections included. False if there is no such link of the owner's.</summary>
    public async Task<bool> RevokeShareLinkAsync(string ownerId, string who, string workspaceId, string linkId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await OwnsAsync(db, ownerId, workspaceId, cancellationToken))
        {
            return false;
        }

        var link = await db.PreviewShareLinks.FirstOrDefaultAsync(l => l.Id == linkId && l.WorkspaceId == workspaceId, cancellationToken);
        if (link is null)
        {
            return false;
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
                Message = $"{who} revoked share link {Describe(link)} for port {link.Port}.",
            });
            await db.SaveChangesAsync(cancellationToken);
        }

        state.ForgetShareLink(linkId);
        await audit.RecordAsync(ownerId, AuditActions.ShareLinkRevoked, AuditTargets.Workspace, workspaceId, $"share link {linkId}", cancellationToken);
        var cut = connections.CutShareLink(linkId);
        LogRevoked(workspaceId, linkId, cut);
        feed.PublishUpdated(workspaceId, ownerId);
        return true;
    }

    /// <summary>
    /// Checks a presented token for <paramref name="preview"/>: the link, or why not. Only the hash is looked up; the
    /// stored hash is compared again in constant time.
    /// </summary>
    public async Task<(PreviewShareLink? Link, ShareLinkRefusal Refusal)> RedeemAsync(string token, PreviewHost preview, string from, CancellationToken cancellationToken)
    {
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 100)
        {
            return (null, ShareLinkRefusal.Unknown);
        }

        var hash = HashToken(token);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var link = await db.PreviewShareLinks.FirstOrDefaultAsync(l => l.TokenHash == hash, cancellationToken);
        if (link is null
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(link.TokenHash), Encoding.ASCII.GetBytes(hash))
            || link.WorkspaceId != preview.WorkspaceId
            || link.Port != preview.Port)
        {
            return (null, ShareLinkRefusal.Unknown);
        }

        var now = time.GetUtcNow();
        if (link.RevokedAt is not null)
        {
            return (null, ShareLinkRefusal.Revoked);
        }

        if (link.ExpiresAt <= now)
        {
            return (null, ShareLinkRefusal.Expired);
        }

        link.LastUsedAt = now;
        link.UseCount++;
        db.WorkspaceEvents.Add(new WorkspaceEvent
        {
            WorkspaceId = link.WorkspaceId,
            At = now,
            Kind = LinkUsedEvent,
            Message = $"Share link {Describe(link)} for port {link.Port} was opened by a visitor from {from}.",
        });
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(null, AuditActions.ShareLinkUsed, AuditTargets.Workspace, link.WorkspaceId, $"share link {link.Id} for port {link.Port} opened from {from}", cancellationToken);
        _lastUseWritten[link.Id] = now;
        return (link, ShareLinkRefusal.None);
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

    private async Task<PreviewChangeError> CheckPortAsync(string ownerId, string workspaceId, int port, CancellationToken cancellationToken)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (!await OwnsAsync(db, ownerId, workspaceId, cancellationToken))
            {
                return PreviewChangeError.NotFound;
            }
        }

        if (port is < 1 or > 65535)
        {
            return PreviewChangeError.InvalidPort;
        }

        // The agent's port is never a preview, whatever the owner asks.
        var target = await state.GetTargetAsync(workspaceId, cancellationToken);
        return target?.AgentUrl?.Port == port ? PreviewChangeError.InvalidPort : PreviewChangeError.None;
    }

    private static Task<bool> OwnsAsync(WorkspacesDbContext db, string ownerId, string workspaceId, CancellationToken cancellationToken) =>
        db.Workspaces.AnyAsync(WorkspaceService.Owned(ownerId, workspaceId), cancellationToken);

    private static bool IsActive(PreviewShareLink link, DateTimeOffset now) => link.RevokedAt is null && link.ExpiresAt > now;

    private static ShareLinkView View(PreviewShareLink link, DateTimeOffset now) =>
        new(link.Id, link.Port, link.Label, link.CreatedAt, link.ExpiresAt, link.RevokedAt, link.LastUsedAt, link.UseCount, IsActive(link, now));

    private static string Describe(PreviewShareLink link) => link.Label is null ? link.Id : $"“{link.Label}” ({link.Id})";

    private static string Base64Url(byte[] bytes) => Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Port {Port} of workspace {WorkspaceId} made private; {Cut} public connections cut")]
    private partial void LogMadePrivate(string workspaceId, int port, int cut);

    [LoggerMessage(Level = LogLevel.Information, Message = "Share link {LinkId} of workspace {WorkspaceId} revoked; {Cut} connections cut")]
    private partial void LogRevoked(string workspaceId, string linkId, int cut);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording the last use of share link {LinkId} failed")]
    private partial void LogTouchFailed(Exception exception, string linkId);
}

public enum ShareLinkRefusal
{
    None,
    Unknown,
    Expired,
    Revoked,
}
