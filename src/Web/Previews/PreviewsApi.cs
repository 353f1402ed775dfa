using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workspaces.Data;
using Workspaces.Shared.Configuration;
using Workspaces.Web.Accounts;
using Workspaces.Web.Authorization;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Previews;

public static class PreviewsApi
{
    public static IEndpointRouteBuilder MapPreviewsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/workspaces/{id}").RequireAuthorization().WithTags("Previews");
        group.MapGet("/ports", ListPortsAsync).WithSummary("The workspace's ports: listening or declared, with URL, visibility and share links.");
        group.MapPut("/ports/{port:int}/visibility", SetVisibilityAsync).WithSummary("Makes a port public (anyone with the URL), visible to the team (signed-in members of the workspace's team) or private (the owner only).");
        group.MapPost("/ports/{port:int}/share-links", CreateShareLinkAsync)
            .WithSummary("Creates a share link for a port; the answer's url carries the token, shown only this once.");
        group.MapPut("/services/{service}/ports/{port:int}/visibility", SetServiceVisibilityAsync)
            .WithSummary("Sets the visibility of a port of a Service in the workspace's development namespace (cluster access), as for a workspace port.");
        group.MapPost("/services/{service}/ports/{port:int}/share-links", CreateServiceShareLinkAsync)
            .WithSummary("Creates a share link for a port of a Service in the workspace's development namespace; the answer's url carries the token, shown only this once.");
        group.MapDelete("/share-links/{linkId}", RevokeShareLinkAsync).WithSummary("Revokes a share link; open connections through it are cut.");

        // The IDE origin's half of the private-preview flow: the signed-in owner gets a one-minute ticket for the preview origin.
        app.MapGet("/previews/authorize", Authorize).RequireAuthorization().ExcludeFromDescription();
        return app;
    }

    public sealed record VisibilityRequest(PortVisibility? Visibility);

    /// <param name="ExpiresIn"><c>1h</c>, <c>1d</c>, <c>7d</c>, or a duration such as <c>2.12:00:00</c>; default 1 day.</param>
    /// <param name="ExpiresAt">A custom expiry instead of <paramref name="ExpiresIn"/>.</param>
    public sealed record PreviewShareLinkRequest(string? Label, string? ExpiresIn, DateTimeOffset? ExpiresAt);

    private static async Task<Results<Ok<IReadOnlyList<PortView>>, NotFound>> ListPortsAsync(string id, ClaimsPrincipal user, HttpRequest request, PreviewService previews, CancellationToken ct) =>
        await previews.ListPortsAsync(user.Id(), id, request.Scheme, request.Host, ct) is { } ports ? TypedResults.Ok(ports) : TypedResults.NotFound();

    private static Task<Results<Ok<PortView>, NotFound, ValidationProblem>> SetVisibilityAsync(
        string id, int port, VisibilityRequest body, ClaimsPrincipal user, HttpRequest request, PreviewService previews, CancellationToken ct) =>
        SetVisibilityCoreAsync(id, null, port, body, user, request, previews, ct);

    private static Task<Results<Ok<PortView>, NotFound, ValidationProblem>> SetServiceVisibilityAsync(
        string id, string service, int port, VisibilityRequest body, ClaimsPrincipal user, HttpRequest request, PreviewService previews, CancellationToken ct) =>
        SetVisibilityCoreAsync(id, service, port, body, user, request, previews, ct);

    private static async Task<Results<Ok<PortView>, NotFound, ValidationProblem>> SetVisibilityCoreAsync(
        string id, string? service, int port, VisibilityRequest body, ClaimsPrincipal user, HttpRequest request, PreviewService previews, CancellationToken ct)
    {
        if (body.Visibility is not { } visibility)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["visibility"] = ["Give the visibility: Public, Team or Private."] });
        }

        var changed = await previews.SetVisibilityAsync(user.Id(), Who(user), id, port, visibility, service, ct);
        if (changed.Kind == ActionOutcome.NotFound)
        {
            return TypedResults.NotFound();
        }

        if (Problem(changed) is { } problem)
        {
            return problem;
        }

        var ports = await previews.ListPortsAsync(user.Id(), id, request.Scheme, request.Host, ct);
        return ports?.FirstOrDefault(p => p.Port == port && p.Service == service) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();
    }

    private static Task<Results<Created<CreatedPreviewShareLink>, NotFound, ValidationProblem>> CreateShareLinkAsync(
        string id, int port, PreviewShareLinkRequest body, ClaimsPrincipal user, HttpRequest request, PreviewService previews, TimeProvider time, CancellationToken ct) =>
        CreateShareLinkCoreAsync(id, null, port, body, user, request, previews, time, ct);

    private static Task<Results<Created<CreatedPreviewShareLink>, NotFound, ValidationProblem>> CreateServiceShareLinkAsync(
        string id, string service, int port, PreviewShareLinkRequest body, ClaimsPrincipal user, HttpRequest request, PreviewService previews, TimeProvider time, CancellationToken ct) =>
        CreateShareLinkCoreAsync(id, service, port, body, user, request, previews, time, ct);

    private static async Task<Results<Created<CreatedPreviewShareLink>, NotFound, ValidationProblem>> CreateShareLinkCoreAsync(
        string id, string? service, int port, PreviewShareLinkRequest body, ClaimsPrincipal user, HttpRequest request, PreviewService previews, TimeProvider time, CancellationToken ct)
    {
        TimeSpan lifetime;
        if (body.ExpiresAt is { } at)
        {
            lifetime = at - time.GetUtcNow();
        }
        else if (!TryParseLifetime(body.ExpiresIn, out lifetime))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["expiresIn"] = ["Use 1h, 1d, 7d or a duration such as 2.12:00:00."] });
        }

        var outcome = await previews.CreateShareLinkAsync(user.Id(), Who(user), id, port, body.Label, lifetime, request.Scheme, request.Host, service, ct);
        var path = service is null ? $"/api/workspaces/{id}/ports/{port}" : $"/api/workspaces/{id}/services/{service}/ports/{port}";
        return outcome.Value is { } created ? TypedResults.Created($"{path}/share-links/{created.Link.Id}", created)
            : Problem(outcome) is { } problem ? problem
            : TypedResults.NotFound();
    }

    private static async Task<Results<NoContent, NotFound>> RevokeShareLinkAsync(string id, string linkId, ClaimsPrincipal user, PreviewService previews, CancellationToken ct) =>
        (await previews.RevokeShareLinkAsync(user.Id(), Who(user), id, linkId, ct)).Kind == ActionOutcome.Ok ? TypedResults.NoContent() : TypedResults.NotFound();

    private static async Task<IResult> Authorize(
        string? workspace, int? port, string? service, string? @return, ClaimsPrincipal user, HttpRequest request,
        IDbContextFactory<WorkspacesDbContext> dbFactory, PreviewGrants grants, IOptions<PreviewOptions> options,
        Authorization.AccessService access, PreviewState state, CancellationToken ct)
    {
        if (workspace is null || port is not (>= 1 and <= 65535) || (service is not null && !ServiceNames.IsValid(service)))
        {
            return TypedResults.NotFound();
        }

        var preview = new PreviewHost(port.Value, workspace, service);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // The owner; or, for a port visible to the team, any member of the workspace's team.
        var mayOpen = await db.Workspaces.AnyAsync(WorkspaceService.Owned(user.Id(), workspace), ct)
            || (await state.GetTargetAsync(workspace, ct) is { } target && state.EffectiveVisibility(target, preview) == PortVisibility.Team
                && await access.ForWorkspaceAsync(user.Id(), workspace, ct) is { } found && found.Can(Authorization.Permission.WorkspaceOpenTeamPreview));
        if (!mayOpen)
        {
            return TypedResults.Problem("Only the owner of a workspace can open its private ports.", statusCode: StatusCodes.Status404NotFound, title: "No such workspace");
        }

        var ticket = grants.CreateTicket(user.Id(), preview);
        var origin = preview.Origin(options.Value, request.Scheme, request.Host);
        return TypedResults.Redirect($"{origin}{PreviewGrants.ReservedPathPrefix}/auth?ticket={Uri.EscapeDataString(ticket)}&return={Uri.EscapeDataString(PreviewProxy.LocalPath(@return ?? "/"))}");
    }

    public static bool TryParseLifetime(string? text, out TimeSpan lifetime)
    {
        lifetime = default;
        switch (text?.Trim())
        {
            case null or "":
            case "1d":
                lifetime = TimeSpan.FromDays(1);
                return true;
            case "1h":
                lifetime = TimeSpan.FromHours(1);
                return true;
            case "7d":
                lifetime = TimeSpan.FromDays(7);
                return true;
            default:
                return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out lifetime);
        }
    }

    private static string Who(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.Email) ?? user.Identity?.Name ?? "The owner";

    private static ValidationProblem? Problem<T>(Outcome<T> outcome) => outcome.Kind == ActionOutcome.Invalid
        ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { [outcome.Field!] = [outcome.Error!] })
        : null;
}
