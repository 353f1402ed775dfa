using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Workspaces.Web.Previews;

/// <summary>Who a preview request comes as: the owner (a grant from the IDE origin) or the holder of a share link.</summary>
public abstract record PreviewGrant(string WorkspaceId, int Port);

public sealed record OwnerGrant(string WorkspaceId, int Port, string UserId) : PreviewGrant(WorkspaceId, Port);

public sealed record PreviewShareLinkGrant(string WorkspaceId, int Port, string LinkId) : PreviewGrant(WorkspaceId, Port);

/// <summary>
/// The credentials that live on preview origins, all encrypted and authenticated with Data Protection, all bound to one
/// workspace and port: the redirect ticket the IDE origin hands the owner's browser (single use, a minute), and the
/// host-only cookies a preview origin sets from a ticket or a share link. The IDE's session cookie plays no part.
/// </summary>
public sealed class PreviewGrants(IDataProtectionProvider protection, IOptions<PreviewOptions> options, TimeProvider time)
{
    /// <summary>The owner's grant on a preview origin.</summary>
    public const string OwnerCookie = "workspaces-preview-owner";

    /// <summary>A share link's grant on a preview origin.</summary>
    public const string ShareCookie = "workspaces-preview-link";

    /// <summary>Paths on a preview origin the proxy answers itself (ticket exchange, share links); never forwarded.</summary>
    public const string ReservedPathPrefix = "/__workspaces";

    private readonly ITimeLimitedDataProtector _tickets = protection.CreateProtector("Workspaces.Previews.Ticket.v1").ToTimeLimitedDataProtector();
    private readonly ITimeLimitedDataProtector _cookies = protection.CreateProtector("Workspaces.Previews.Grant.v1").ToTimeLimitedDataProtector();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _usedTickets = new(StringComparer.Ordinal);

    public string CreateTicket(string userId, PreviewHost preview) =>
        _tickets.Protect(Join("ticket", preview, userId, Convert.ToHexString(RandomNumberGenerator.GetBytes(16))), time.GetUtcNow() + options.Value.TicketLifetime);

    /// <summary>The user a ticket was issued to, if it is valid for <paramref name="preview"/>, unexpired and unused.</summary>
    public string? RedeemTicket(string ticket, PreviewHost preview)
    {
        var parts = Unprotect(_tickets, ticket, out var expiresAt);
        if (parts is not ["ticket", var id, var port, var userId, var nonce] || !Matches(preview, id, port))
        {
            return null;
        }

        var now = time.GetUtcNow();
        foreach (var (used, until) in _usedTickets)
        {
            if (until < now)
            {
                _usedTickets.TryRemove(used, out _);
            }
        }

        return _usedTickets.TryAdd(nonce, expiresAt) ? userId : null;
    }

    public string CreateOwnerCookie(string userId, PreviewHost preview) =>
        _cookies.Protect(Join("owner", preview, userId), time.GetUtcNow() + options.Value.OwnerCookieLifetime);

    public string CreateShareCookie(string linkId, PreviewHost preview, DateTimeOffset expiresAt) =>
        _cookies.Protect(Join("link", preview, linkId), expiresAt);

    /// <summary>The grants the request's cookies carry for <paramref name="preview"/> (forged, expired or foreign ones are ignored).</summary>
    public (OwnerGrant? Owner, PreviewShareLinkGrant? Link) Read(IRequestCookieCollection cookies, PreviewHost preview)
    {
        OwnerGrant? owner = null;
        PreviewShareLinkGrant? link = null;
        if (cookies[OwnerCookie] is { } ownerValue && Unprotect(_cookies, ownerValue, out _) is ["owner", var id, var port, var userId] && Matches(preview, id, port))
        {
            owner = new OwnerGrant(preview.WorkspaceId, preview.Port, userId);
        }

        if (cookies[ShareCookie] is { } linkValue && Unprotect(_cookies, linkValue, out _) is ["link", var linkWorkspace, var linkPort, var linkId] && Matches(preview, linkWorkspace, linkPort))
        {
            link = new PreviewShareLinkGrant(preview.WorkspaceId, preview.Port, linkId);
        }

        return (owner, link);
    }

    /// <summary>
    /// A host-only grant cookie, <c>SameSite=Lax</c>. With <paramref name="embedded"/> (the owner's grant, obtained inside
    /// the IDE's preview frame, which is another site than the preview) it is <c>SameSite=None; Secure; Partitioned</c>
    /// where it can be Secure (https, or <c>*.localhost</c>, which browsers treat as secure): a partitioned cookie lives
    /// only in frames under the IDE's site, so it works where third-party cookies are blocked and no other site that
    /// frames or posts to the preview gets the owner's grant.
    /// </summary>
    public static CookieOptions CookieOptions(HttpRequest request, DateTimeOffset expires, bool embedded = false)
    {
        var secure = request.IsHttps || request.Host.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
        var options = new CookieOptions
        {
            // Host-only (no Domain): the grant is for this one preview origin, never its siblings or the IDE.
            Path = "/",
            HttpOnly = true,
            Secure = secure,
            SameSite = embedded && secure ? SameSiteMode.None : SameSiteMode.Lax,
            Expires = expires,
            IsEssential = true,
        };
        if (embedded && secure)
        {
            options.Extensions.Add("Partitioned");
        }

        return options;
    }

    /// <summary>Whether the browser loads this request into a frame (Fetch Metadata).</summary>
    public static bool IsFramed(HttpRequest request) =>
        request.Headers["Sec-Fetch-Dest"].ToString() is "iframe" or "frame";

    private static string Join(params string[] parts) => string.Join('\n', parts);

    private static string Join(string kind, PreviewHost preview, params string[] rest) =>
        Join([kind, preview.WorkspaceId, Target(preview), .. rest]);

    private static bool Matches(PreviewHost preview, string workspaceId, string port) =>
        workspaceId == preview.WorkspaceId && port == Target(preview);

    /// <summary>The port, or <c>{service}:{port}</c>: a grant for a workspace port never opens a Service's, nor the reverse.</summary>
    private static string Target(PreviewHost preview) => preview.Service is null
        ? preview.Port.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{preview.Service}:{preview.Port}");

    private static string[]? Unprotect(ITimeLimitedDataProtector protector, string value, out DateTimeOffset expiresAt)
    {
        try
        {
            return protector.Unprotect(value, out expiresAt).Split('\n');
        }
        catch (CryptographicException)
        {
            expiresAt = default;
            return null;
        }
    }
}
