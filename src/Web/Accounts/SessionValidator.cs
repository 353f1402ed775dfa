using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workspaces.Data;

namespace Workspaces.Web.Accounts;

/// <summary>
/// Whether a browser session (the session cookie's principal) is still the account's: the security stamp it was issued
/// with is the account's current one and the account is not blocked. Asked on every cookie-authenticated request, for
/// each Blazor circuit, and for each forwarded connection when a session ends, so that signing out, changing the password
/// or being blocked ends a session on the server, not only in the browser that did it. Personal access tokens are
/// separate credentials and are not affected.
/// </summary>
public sealed class SessionValidator(IDbContextFactory<WorkspacesDbContext> dbFactory, IOptions<IdentityOptions> identity)
{
    /// <summary>Whether <paramref name="principal"/> came from the session cookie (not a personal access token).</summary>
    public static bool IsBrowserSession(ClaimsPrincipal principal) =>
        principal.Identity is { IsAuthenticated: true, AuthenticationType: var type } && type == IdentityConstants.ApplicationScheme;

    public async Task<bool> IsCurrentAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var claims = identity.Value.ClaimsIdentity;
        var userId = principal.FindFirstValue(claims.UserIdClaimType);
        var stamp = principal.FindFirstValue(claims.SecurityStampClaimType);
        if (userId is null || stamp is null)
        {
            return false;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var current = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new { u.SecurityStamp, u.IsBlocked })
            .FirstOrDefaultAsync(cancellationToken);
        return current is { IsBlocked: false } && string.Equals(current.SecurityStamp, stamp, StringComparison.Ordinal);
    }

    /// <summary>The session cookie's <c>OnValidatePrincipal</c>: an ended session is refused and its cookie deleted.</summary>
    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var validator = context.HttpContext.RequestServices.GetRequiredService<SessionValidator>();
        if (context.Principal is null || !await validator.IsCurrentAsync(context.Principal, context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(context.Scheme.Name);
        }
    }
}
