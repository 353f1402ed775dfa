using System.Security.Claims;
using Workspaces.Web.Accounts;
using Workspaces.Web.Authorization;

namespace Workspaces.Web.Variables;

public static class PersonalSettingsApi
{
    public static IEndpointRouteBuilder MapPersonalSettingsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/me").RequireAuthorization().WithTags("Personal settings");
        group.MapGet("/", async (ClaimsPrincipal user, Microsoft.AspNetCore.Identity.UserManager<Data.Users.AppUser> users) =>
                await users.FindByIdAsync(user.Id()) is { } me ? Results.Ok(new Me(me.Id, me.Email ?? "", me.IsAdministrator)) : Results.NotFound())
            .WithSummary("Who the caller is.");
        group.MapGet("/settings", async (ClaimsPrincipal user, PersonalSettingsService settings, CancellationToken ct) => TypedResults.Ok(await settings.GetAsync(user.Id(), ct)))
            .WithSummary("The caller's dotfiles repository and personal variables (names and patterns; values are write-only).");
        group.MapPut("/variables/{name}", async (string name, PersonalVariableRequest request, ClaimsPrincipal user, PersonalSettingsService settings, CancellationToken ct) =>
                (await settings.SetVariableAsync(user.Id(), name, request.Value, request.RepositoryPattern, ct)).ToHttp(_ => TypedResults.NoContent()))
            .WithSummary("Sets a personal variable for the caller's new workspaces whose repository matches repositoryPattern (default */*).");
        group.MapDelete("/variables/{id:long}", async (long id, ClaimsPrincipal user, PersonalSettingsService settings, CancellationToken ct) =>
            (await settings.DeleteVariableAsync(user.Id(), id, ct)).ToHttp(_ => TypedResults.NoContent()));
        group.MapPut("/dotfiles", async (DotfilesRequest request, ClaimsPrincipal user, PersonalSettingsService settings, CancellationToken ct) =>
                (await settings.SetDotfilesAsync(user.Id(), request.RepositoryUrl, ct)).ToHttp(_ => TypedResults.NoContent()))
            .WithSummary("Sets (or clears, with null) the dotfiles repository installed into every new workspace.");
        return app;
    }

    public sealed record Me(string Id, string Email, bool IsAdministrator);

    public sealed record PersonalVariableRequest(string? Value, string? RepositoryPattern);

    public sealed record DotfilesRequest(string? RepositoryUrl);
}
