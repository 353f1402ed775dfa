using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Workspaces.Web.Accounts;

/// <summary>The CLI's sign-in (<see cref="CliLogins"/>) and <c>DELETE /api/auth/token</c>, which revokes the token it is called with.</summary>
public static class CliLoginApi
{
    public sealed record StartRequest(string? ClientName);

    public sealed record PollRequest(string? PollToken);

    public sealed record PollAnswer(string Status, string? Token, string? TokenId, string? Email);

    public static IEndpointRouteBuilder MapCliLoginApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/cli/logins").AllowAnonymous().DisableAntiforgery().WithTags("Accounts");
        group.MapPost("/", Results<Created<CliLoginStarted>, ProblemHttpResult> (StartRequest request, HttpRequest http, CliLogins logins) =>
                logins.Start(request.ClientName ?? "", new Uri($"{http.Scheme}://{http.Host}/")) is { } started
                    ? TypedResults.Created("/api/cli/logins", started)
                    : TypedResults.Problem("Too many sign-ins are waiting for approval: try again in a few minutes.", statusCode: StatusCodes.Status429TooManyRequests))
            .WithSummary("Starts a CLI sign-in: a code to approve on /cli/login and a secret to poll with.");
        group.MapPost("/poll", (PollRequest request, CliLogins logins) =>
            {
                var poll = logins.Poll(request.PollToken);
                return TypedResults.Ok(new PollAnswer(poll.Status.ToString().ToLowerInvariant(), poll.Token, poll.TokenId, poll.Email));
            })
            .WithSummary("Where a CLI sign-in stands: pending, approved (with the token, once), denied or expired.");

        app.MapDelete("/api/auth/token", async Task<Results<NoContent, ProblemHttpResult>> (HttpRequest http, ClaimsPrincipal user, PersonalAccessTokenService tokens, CancellationToken cancellationToken) =>
            {
                var header = http.Headers.Authorization.ToString();
                if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
                {
                    return TypedResults.Problem("Call this with the token to revoke (Authorization: Bearer …); the session cookie has no token.", statusCode: StatusCodes.Status400BadRequest);
                }

                await tokens.RevokePresentedAsync(user.Id(), header["Bearer ".Length..].Trim(), cancellationToken);
                return TypedResults.NoContent();
            })
            .RequireAuthorization()
            .WithTags("Tokens")
            .WithSummary("Revokes the personal access token this request is made with (the CLI's logout).");
        return app;
    }
}
