using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workspaces.Data.Users;
using Workspaces.Web.Hosting;

namespace Workspaces.Web.Accounts;

/// <summary>Creates accounts. The first account is the administrator; later sign-ups follow <see cref="SignUpOptions.AllowSignUp"/>.</summary>
public sealed class AccountService(UserManager<AppUser> users, IOptions<SignUpOptions> options, TimeProvider timeProvider)
{
    // One process creates accounts at a time, so two first sign-ups can't both become administrator.
    private static readonly SemaphoreSlim CreationLock = new(1, 1);

    public Task<bool> AnyAccountAsync(CancellationToken cancellationToken) => users.Users.AnyAsync(cancellationToken);

    public Task<AccountResult> CreateAsync(string email, string password, bool firstOnly, CancellationToken cancellationToken) =>
        CreateAsync(email, password, firstOnly, invited: false, cancellationToken);

    /// <param name="invited">The sign-up comes through a valid team invitation, which opens sign-up for its invitee.</param>
    /// <param name="password">Null for an account that signs in only through single sign-on.</param>
    public async Task<AccountResult> CreateAsync(string email, string? password, bool firstOnly, bool invited, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(email);
        await CreationLock.WaitAsync(cancellationToken);
        try
        {
            var first = !await users.Users.AnyAsync(cancellationToken);
            if (firstOnly && !first)
            {
                return AccountResult.Conflict("An account already exists. Sign in, or ask the administrator for an account.");
            }

            if (!first && !invited && !options.Value.AllowSignUp)
            {
                return AccountResult.Refused("Sign-up is closed on this server. Ask the administrator for an account.");
            }

            if (!first && !invited && SignUpDomainProblem(email) is { } domainProblem)
            {
                return AccountResult.Refused(domainProblem);
            }

            var user = new AppUser
            {
                UserName = email.Trim(),
                Email = email.Trim(),
                IsAdministrator = first,
                CreatedAt = timeProvider.GetUtcNow(),
            };
            var result = password is null ? await users.CreateAsync(user) : await users.CreateAsync(user, password);
            return result.Succeeded
                ? AccountResult.Created(user)
                : AccountResult.Invalid(result.Errors.Select(e => e.Description).ToList());
        }
        finally
        {
            CreationLock.Release();
        }
    }

    /// <summary>Why this address may not sign up (its domain is not allowed), or null.</summary>
    public string? SignUpDomainProblem(string email)
    {
        ArgumentNullException.ThrowIfNull(email);
        var domains = options.Value.SignUpEmailDomains;
        var at = email.LastIndexOf('@');
        var domain = at < 0 ? "" : email[(at + 1)..].Trim();
        return domains.Count == 0 || domains.Any(d => string.Equals(d.Trim().TrimStart('@'), domain, StringComparison.OrdinalIgnoreCase))
            ? null
            : $"Sign-up on this server is open to addresses at {string.Join(", ", domains)} only. Ask the administrator or a team owner for an invitation.";
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
