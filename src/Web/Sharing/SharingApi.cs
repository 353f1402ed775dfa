using System.Security.Claims;
using Workspaces.Data.Workspaces;
using Workspaces.Web.Accounts;
using Workspaces.Web.Authorization;

namespace Workspaces.Web.Sharing;

public static class SharingApi
{
    public static IEndpointRouteBuilder MapSharingApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/workspaces/{workspaceId}").RequireAuthorization().WithTags("Workspaces");
        group.MapGet("/access", async (string workspaceId, ClaimsPrincipal user, AccessService access, CancellationToken ct) =>
                await access.ForWorkspaceAsync(user.Id(), workspaceId, ct) is { } found && found.Relations.Count > 0 && found.Relations.Any(r => r != Relation.Stranger)
                    ? Results.Ok(WorkspaceAccessView.From(found))
                    : Results.NotFound())
            .WithSummary("How the caller stands to the workspace and what they may do.");
        group.MapGet("/shares", async (string workspaceId, ClaimsPrincipal user, WorkspaceSharingService sharing, CancellationToken ct) =>
            (await sharing.ListAsync(user.Id(), workspaceId, ct)).ToHttp(TypedResults.Ok));
        group.MapPost("/shares", async (string workspaceId, WorkspaceShareRequest request, ClaimsPrincipal user, WorkspaceSharingService sharing, CancellationToken ct) =>
                (await sharing.ShareAsync(user.Id(), workspaceId, request.Email, request.Access ?? WorkspaceShareAccess.ReadOnly, ct)).ToHttp(TypedResults.Ok))
            .WithSummary("Shares the workspace with a member of its team, read-only (watch terminals) or full (type too).");
        group.MapDelete("/shares/{userId}", async (string workspaceId, string userId, ClaimsPrincipal user, WorkspaceSharingService sharing, CancellationToken ct) =>
                (await sharing.UnshareAsync(user.Id(), workspaceId, userId, ct)).ToHttp(_ => TypedResults.NoContent()))
            .WithSummary("Takes a share back; that person's attached terminals are cut.");
        return app;
    }

    public sealed record WorkspaceShareRequest(string? Email, WorkspaceShareAccess? Access);
}
