using System.Security.Claims;
using Workspaces.Data.Teams;
using Workspaces.Web.Accounts;
using Workspaces.Web.Authorization;

namespace Workspaces.Web.Teams;

public static class TeamsApi
{
    public static IEndpointRouteBuilder MapTeamsApi(this IEndpointRouteBuilder app)
    {
        var teams = app.MapGroup("/api/teams").RequireAuthorization().WithTags("Teams");
        teams.MapGet("/", async (ClaimsPrincipal user, TeamService service, CancellationToken ct) => TypedResults.Ok(await service.ListAsync(user.Id(), ct)))
            .WithSummary("The teams the caller is a member of.");
        teams.MapPost("/", async (CreateTeamRequest request, ClaimsPrincipal user, TeamService service, CancellationToken ct) =>
                (await service.CreateAsync(user.Id(), request.Name, ct)).ToHttp(t => TypedResults.Created($"/api/teams/{t.Id}", t)))
            .WithSummary("Creates a team; the caller becomes its owner.");
        teams.MapGet("/{teamId}", async (string teamId, ClaimsPrincipal user, TeamService service, CancellationToken ct) =>
            (await service.GetAsync(user.Id(), teamId, ct)).ToHttp(TypedResults.Ok));
        teams.MapDelete("/{teamId}", async (string teamId, ClaimsPrincipal user, TeamService service, CancellationToken ct) =>
            (await service.DeleteAsync(user.Id(), teamId, ct)).ToHttp(_ => TypedResults.NoContent()));
        teams.MapPost("/{teamId}/invitations", async (string teamId, InvitationRequest request, ClaimsPrincipal user, TeamService service, CancellationToken ct) =>
                (await service.InviteAsync(user.Id(), teamId, request, ct)).ToHttp(i => TypedResults.Created($"/api/teams/{teamId}/invitations/{i.Invitation.Id}", i)))
            .WithSummary("Creates an invitation link (by email address or for anyone with the link); the link is shown only in this answer.");
        teams.MapDelete("/{teamId}/invitations/{invitationId}", async (string teamId, string invitationId, ClaimsPrincipal user, TeamService service, CancellationToken ct) =>
                (await service.RevokeInvitationAsync(user.Id(), teamId, invitationId, ct)).ToHttp(_ => TypedResults.NoContent()))
            .WithSummary("Revokes an invitation: its link stops working.");
        teams.MapDelete("/{teamId}/members/{userId}", async (string teamId, string userId, ClaimsPrincipal user, TeamService service, CancellationToken ct) =>
                (await service.RemoveMemberAsync(user.Id(), teamId, userId, ct)).ToHttp(_ => TypedResults.NoContent()))
            .WithSummary("Removes a member (or leaves): their access to the team's projects and shared workspaces ends at once.");
        teams.MapPut("/{teamId}/members/{userId}", async (string teamId, string userId, ChangeRoleRequest request, ClaimsPrincipal user, TeamService service, CancellationToken ct) =>
            (await service.ChangeRoleAsync(user.Id(), teamId, userId, request.Role, ct)).ToHttp(_ => TypedResults.NoContent()));

        var invitations = app.MapGroup("/api/invitations").WithTags("Teams");
        invitations.MapGet("/{token}", async (string token, TeamService service, CancellationToken ct) =>
                await service.PreviewAsync(token, ct) is { } preview ? Results.Ok(preview) : Results.NotFound())
            .AllowAnonymous()
            .WithSummary("What an invitation is for, and whether it can still be accepted.");
        invitations.MapPost("/{token}/accept", async (string token, ClaimsPrincipal user, TeamService service, CancellationToken ct) =>
                (await service.AcceptAsync(user.Id(), token, ct)).ToHttp(TypedResults.Ok))
            .RequireAuthorization();
        return app;
    }

    public sealed record CreateTeamRequest(string? Name);

    public sealed record ChangeRoleRequest(TeamRole Role);
}
