using Microsoft.AspNetCore.Identity;
using Workspaces.Data.Users;
using Workspaces.Web.Authorization;

namespace Workspaces.Web.Accounts;

/// <summary>
/// Ends browser sessions on the server. A new security stamp makes every session cookie of the account fail its next
/// request (<see cref="SessionValidator"/>); this process's live circuits and forwarded connections (terminals, files)
/// of those sessions end at once; other replicas' circuits within their next revalidation (a minute).
/// </summary>
public sealed class SessionRevocation(IServiceScopeFactory scopes, SessionValidator validator, CircuitSessions circuits, LiveSessions live)
{
    /// <summary>Signs the account out of every browser (sign-out ends all of them: a cookie copied elsewhere stops working too).</summary>
    public async Task EndBrowserSessionsAsync(string userId, CancellationToken cancellationToken)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            if (await users.FindByIdAsync(userId) is { } user)
            {
                await users.UpdateSecurityStampAsync(user);
            }
        }

        await SessionsChangedAsync(userId, cancellationToken);
    }

    /// <summary>After the account's security stamp changed (a password change, blocking): ends what still runs on an old session.</summary>
    public async Task SessionsChangedAsync(string userId, CancellationToken cancellationToken)
    {
        await circuits.RevalidateAsync(userId, cancellationToken);
        await live.CutAsync(userId, c => SessionValidator.IsBrowserSession(c.User), (c, ct) => validator.IsCurrentAsync(c.User, ct), cancellationToken);
    }
}
