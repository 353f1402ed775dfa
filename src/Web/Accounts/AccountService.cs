using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workspaces.Data.Users;
using Workspaces.Web.Hosting;

namespace Workspaces.Web.Accounts;

/// <summary>Creates accounts. The first account is the administrator; later sign-ups follow <see cref="WorkspacesOptions.AllowSignUp"/>.</summary>
public sealed class AccountService(UserManager<AppUser> users, IOptions<WorkspacesOptions> options, TimeProvider timeProvider)
{
    // One process creates accounts at a time, so two first sign-ups can't both become administrator.
    private static readonly SemaphoreSlim CreationLock = new(1, 1);

    public Task<bool> AnyAccountAsync(CancellationToken cancellationToken) => users.Users.AnyAsync(cancellationToken);

    public async Task<AccountResult> CreateAsync(string email, string password, bool firstOnly, CancellationToken cancellationToken)
    {
        await CreationLock.WaitAsync(cancellationToken);
        try
        {
            var first = !await users.Users.AnyAsync(cancellationToken);
            if (firstOnly && !first)
            {
                return AccountResult.Conflict("An account already exists. Sign in, or ask the administrator for an account.");
            }

            if (!first && !options.Value.AllowSignUp)
            {
                return AccountResult.Refused("Sign-up is closed on this server. Ask the administrator for an account.");
            }

            var user = new AppUser
            {
                UserName = email.Trim(),
                Email = email.Trim(),
                IsAdministrator = first,
                CreatedAt = timeProvider.GetUtcNow(),
            };
            var result = await users.CreateAsync(user, password);
            return result.Succeeded
                ? AccountResult.Created(user)
                : AccountResult.Invalid(result.Errors.Select(e => e.Description).ToList());
        }
        finally
        {
            CreationLock.Release();
        }
    }
}

public enum AccountOutcome
{
    Created,
    Invalid,
    Conflict,
    Refused,
}

public sealed record AccountResult(AccountOutcome Outcome, AppUser? User, IReadOnlyList<string> Errors)
{
    public static AccountResult Created(AppUser user) => new(AccountOutcome.Created, user, []);

    public static AccountResult Invalid(IReadOnlyList<string> errors) => new(AccountOutcome.Invalid, null, errors);

    public static AccountResult Conflict(string error) => new(AccountOutcome.Conflict, null, [error]);

    public static AccountResult Refused(string error) => new(AccountOutcome.Refused, null, [error]);
}
