using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Workspaces.Data.Users;
using Workspaces.Web.Accounts;
using Workspaces.Web.Audit;
using Workspaces.Web.Authorization;
using Workspaces.Web.Teams;

namespace Workspaces.Web.SingleSignOn;

/// <summary>
/// Completes a single sign-on: the provider's account (issuer + subject) signs in the user it is linked to; otherwise
/// the user with the same, verified, email address is linked and signed in; otherwise an account is created (if sign-up
/// is open to that address, or the sign-in comes through an invitation). A blocked user is refused. Signing in through
/// an invitation joins in the same step, as the password sign-in and sign-up do.
/// </summary>
public sealed partial class ExternalSignIn(
    UserManager<AppUser> users,
    SignInManager<AppUser> signIn,
    AccountService accounts,
    TeamService teams,
    AuditLog audit,
    ILogger<ExternalSignIn> logger)
{
    /// <summary>Where to go when signed in (the joined team or project for an invitation); otherwise what to tell the user.</summary>
    public async Task<Outcome<string>> CompleteAsync(HttpContext context, string returnUrl)
    {
        var signedIn = await SignInAsync(context, returnUrl);
        if (signedIn.Value is not { } userId)
        {
            return signedIn;
        }

        // If joining fails (expired, used up), the invitation page says why.
        var joined = TeamService.ParseInvitationPath(returnUrl) is not null
            ? (await teams.JoinAsync(userId, returnUrl, context.RequestAborted)).Value
            : null;
        return Outcome<string>.Ok(joined ?? returnUrl);
    }

    /// <summary>The signed-in user's id, or what to tell the user.</summary>
    private async Task<Outcome<string>> SignInAsync(HttpContext context, string returnUrl)
    {
        ArgumentNullException.ThrowIfNull(context);
        var result = await context.AuthenticateAsync(IdentityConstants.ExternalScheme);
        await context.SignOutAsync(IdentityConstants.ExternalScheme);
        if (!result.Succeeded || result.Principal is not { } external)
        {
            return Outcome<string>.Forbidden("Single sign-on did not complete. Try again.");
        }

        var subject = external.FindFirstValue("sub");
        var email = external.FindFirstValue("email");
        var verified = string.Equals(external.FindFirstValue("email_verified"), "true", StringComparison.OrdinalIgnoreCase);
        if (string.IsNullOrEmpty(subject))
        {
            return Outcome<string>.Forbidden("The identity provider did not say who you are.");
        }

        var user = await users.FindByLoginAsync(SingleSignOnExtensions.Scheme, subject);
        if (user is null)
        {
            if (string.IsNullOrEmpty(email) || !verified)
            {
                return Outcome<string>.Forbidden("Your identity provider did not confirm your email address, so the account cannot be linked. Ask your administrator.");
            }

            user = await users.FindByEmailAsync(email);
            if (user is null)
            {
                var invited = TeamService.ParseInvitationPath(returnUrl) is { } link
                    && await teams.PreviewAsync(link.Token, context.RequestAborted) is { Problem: null } invitation
                    && (invitation.Email is null || string.Equals(invitation.Email, email, StringComparison.OrdinalIgnoreCase));
                var created = await accounts.CreateAsync(email, null, firstOnly: false, invited, context.RequestAborted);
                if (created.Outcome != AccountOutcome.Created)
                {
                    await audit.RecordAsync(null, AuditActions.SignInFailed, AuditTargets.User, null, $"single sign-on for {email}: {string.Join(" ", created.Errors)}", context.RequestAborted);
                    return Outcome<string>.Forbidden(string.Join(" ", created.Errors));
                }

                user = created.User!;
                user.EmailConfirmed = true;
                await users.UpdateAsync(user);
                await audit.RecordAsync(user.Id, AuditActions.SignedUp, AuditTargets.User, user.Id, "single sign-on", context.RequestAborted);
            }

            var linked = await users.AddLoginAsync(user, new UserLoginInfo(SingleSignOnExtensions.Scheme, subject, "Single sign-on"));
            if (!linked.Succeeded)
            {
                return Outcome<string>.Forbidden(string.Join(" ", linked.Errors.Select(e => e.Description)));
            }

            LogLinked(user.Id);
        }

        if (user.IsBlocked || await users.IsLockedOutAsync(user))
        {
            await audit.RecordAsync(user.Id, AuditActions.SignInFailed, AuditTargets.User, user.Id, "single sign-on, blocked", context.RequestAborted);
            return Outcome<string>.Forbidden("This account is blocked. Ask your administrator.");
        }

        await signIn.SignInAsync(user, isPersistent: true, SingleSignOnExtensions.Scheme);
        await audit.RecordAsync(user.Id, AuditActions.SignedIn, AuditTargets.User, user.Id, "single sign-on", context.RequestAborted);
        return Outcome<string>.Ok(user.Id);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Linked user {UserId} to their single sign-on account")]
    private partial void LogLinked(string userId);
}
