using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Workspaces.Web.Accounts;
using Workspaces.Web.Hosting;

namespace Workspaces.Web.Credentials;

public static class GitCredentialsApi
{
    public static IEndpointRouteBuilder MapGitCredentialsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/git-credentials").RequireAuthorization().WithTags("Git credentials");
        group.MapGet("/", async (ClaimsPrincipal user, GitCredentialService credentials, CancellationToken ct) =>
            TypedResults.Ok(await credentials.ListAsync(user.Id(), ct)));
        group.MapPut("/{host}", SaveAsync).WithSummary("Stores or replaces the token for a Git host. The token is never returned.");
        group.MapDelete("/{host}", async Task<Results<NoContent, NotFound>> (string host, ClaimsPrincipal user, GitCredentialService credentials, CancellationToken ct) =>
            await credentials.DeleteAsync(user.Id(), host, ct) ? TypedResults.NoContent() : TypedResults.NotFound());
        return app;
    }

    public sealed record SaveGitCredentialRequest(string? Username, string? Token);

    private static async Task<Results<Ok<GitCredentialView>, ValidationProblem>> SaveAsync(
        string host, SaveGitCredentialRequest request, ClaimsPrincipal user, GitCredentialService credentials, CancellationToken cancellationToken)
    {
        var errors = Validation.Require(("token", request.Token)) ?? [];
        if (GitCredentialService.ValidateHost(host) is { } hostError)
        {
            errors["host"] = [hostError];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        // Hosts that take any username with a token (GitHub, GitLab) are happy with this default.
        var username = string.IsNullOrWhiteSpace(request.Username) ? "oauth2" : request.Username;
        return TypedResults.Ok(await credentials.SaveAsync(user.Id(), host, username, request.Token!, cancellationToken));
    }
}
