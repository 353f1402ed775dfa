using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Workspaces.Data.Users;
using Workspaces.Web.Hosting;

namespace Workspaces.Web.Accounts;

public static class AccountsApi
{
    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/setup", SetupAsync).AllowAnonymous().DisableAntiforgery().WithTags("Accounts")
            .WithSummary("Creates the first (administrator) account; 409 once any account exists.");
        app.MapPost("/api/auth/tokens", CreateTokenWithPasswordAsync).AllowAnonymous().DisableAntiforgery().WithTags("Accounts")
            .WithSummary("Exchanges an email and password for a new personal access token.");

        var tokens = app.MapGroup("/api/tokens").RequireAuthorization().WithTags("Tokens");
        tokens.MapGet("/", ListTokensAsync);
        tokens.MapPost("/", CreateTokenAsync);
        tokens.MapDelete("/{id}", RevokeTokenAsync);
        app.MapCliLoginApi();

        app.MapPost("/api/me/password", ChangePasswordAsync).RequireAuthorization().WithTags("Accounts")
            .WithSummary("Changes the caller's password; every other browser session of the account ends (personal access tokens keep working).");

        // Ends the session on the server (a new security stamp), not only in this browser: a copy of the cookie stops working too.
        app.MapPost("/account/logout", async (ClaimsPrincipal user, SignInManager<AppUser> signIn, SessionRevocation sessions, CancellationToken cancellationToken) =>
        {
            if (SessionValidator.IsBrowserSession(user) && user.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId)
            {
                await sessions.EndBrowserSessionsAsync(userId, cancellationToken);
            }

            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("/account/login");
        });
        return app;
    }

    public sealed record SetupRequest(string? Email, string? Password);

    public sealed record PasswordTokenRequest(string? Email, string? Password, string? Name);

    public sealed record CreateTokenRequest(string? Name, int? ExpiresInDays);

    public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

    public sealed record AccountCreated(string Id, string Email, bool IsAdministrator);

    private static async Task<Results<Created<AccountCreated>, ValidationProblem, ProblemHttpResult>> SetupAsync(
        SetupRequest request, AccountService accounts, CancellationToken cancellationToken)
    {
        var errors = Validation.Require(("email", request.Email), ("password", request.Password));
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var result = await accounts.CreateAsync(request.Email!, request.Password!, firstOnly: true, cancellationToken);
        return result.Outcome switch
        {
            AccountOutcome.Created => TypedResults.Created("/api/setup", new AccountCreated(result.User!.Id, result.User.Email!, result.User.IsAdministrator)),
            AccountOutcome.Conflict => TypedResults.Problem(result.Errors[0], statusCode: StatusCodes.Status409Conflict, title: "Already set up"),
            _ => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["password"] = [.. result.Errors] }),
        };
    }

    private static async Task<Results<Created<CreatedToken>, ValidationProblem, ProblemHttpResult>> CreateTokenWithPasswordAsync(
        PasswordTokenRequest request,
        UserManager<AppUser> users,
        SignInManager<AppUser> signIn,
        PersonalAccessTokenService tokens,
        Audit.AuditLog audit,
        Microsoft.Extensions.Options.IOptions<SingleSignOn.OidcOptions> oidc,
        CancellationToken cancellationToken)
    {
        var errors = Validation.Require(("email", request.Email), ("password", request.Password), ("name", request.Name));
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var user = await users.FindByEmailAsync(request.Email!.Trim());
        if (oidc.Value.Enabled && oidc.Value.DisableLocalAccounts && user is { IsAdministrator: false })
        {
            return TypedResults.Problem(
                $"Passwords are turned off on this server: sign in with {oidc.Value.DisplayName} and create a token under Settings.",
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Sign-in failed");
        }

        var check = user is null ? SignInResult.Failed : await signIn.CheckPasswordSignInAsync(user, request.Password!, lockoutOnFailure: true);
        await audit.RecordAsync(
            user?.Id, check.Succeeded ? Audit.AuditActions.SignedIn : Audit.AuditActions.SignInFailed, Audit.AuditTargets.User, user?.Id,
            check.Succeeded ? "password, for an API token" : $"password, for an API token, for {request.Email!.Trim()}", cancellationToken);
        if (!check.Succeeded)
        {
            var detail = check.IsLockedOut ? "Too many failed attempts; try again in a few minutes." : "The email or password is wrong.";
            return TypedResults.Problem(detail, statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed");
        }

        var created = await tokens.CreateAsync(user!.Id, request.Name!, null, cancellationToken);
        return TypedResults.Created($"/api/tokens/{created.Token.Id}", created);
    }

    private static async Task<Results<NoContent, ValidationProblem>> ChangePasswordAsync(
        ChangePasswordRequest request, ClaimsPrincipal principal, UserManager<AppUser> users, SignInManager<AppUser> signIn, SessionRevocation sessions, CancellationToken cancellationToken)
    {
        var errors = Validation.Require(("currentPassword", request.CurrentPassword), ("newPassword", request.NewPassword));
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var user = await users.FindByIdAsync(principal.Id());
        if (user is null || !await users.HasPasswordAsync(user))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["currentPassword"] = ["This account has no password: it signs in with single sign-on."] });
        }

        // Identity gives the account a new security stamp: every session cookie issued before ends.
        var result = await users.ChangePasswordAsync(user, request.CurrentPassword!, request.NewPassword!);
        if (!result.Succeeded)
        {
            var wrong = result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.PasswordMismatch));
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [wrong ? "currentPassword" : "newPassword"] = wrong ? ["The current password is wrong."] : [.. result.Errors.Select(e => e.Description)],
            });
        }

        if (SessionValidator.IsBrowserSession(principal))
        {
            // This browser stays signed in, with a cookie carrying the new stamp.
            await signIn.RefreshSignInAsync(user);
        }

        await sessions.SessionsChangedAsync(user.Id, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<TokenView>>> ListTokensAsync(ClaimsPrincipal user, PersonalAccessTokenService tokens, CancellationToken cancellationToken) =>
        TypedResults.Ok(await tokens.ListAsync(user.Id(), cancellationToken));

    private static async Task<Results<Created<CreatedToken>, ValidationProblem>> CreateTokenAsync(
        CreateTokenRequest request, ClaimsPrincipal user, PersonalAccessTokenService tokens, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var errors = Validation.Require(("name", request.Name));
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (request.ExpiresInDays is < 1 or > 3650)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["expiresInDays"] = ["Must be between 1 and 3650 days, or left out for no expiry."] });
        }

        DateTimeOffset? expires = request.ExpiresInDays is { } days ? timeProvider.GetUtcNow().AddDays(days) : null;
        var created = await tokens.CreateAsync(user.Id(), request.Name!, expires, cancellationToken);
        return TypedResults.Created($"/api/tokens/{created.Token.Id}", created);
    }

    private static async Task<Results<NoContent, NotFound>> RevokeTokenAsync(string id, ClaimsPrincipal user, PersonalAccessTokenService tokens, CancellationToken cancellationToken) =>
        await tokens.RevokeAsync(user.Id(), id, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();
}
