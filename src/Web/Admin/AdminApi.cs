using System.Security.Claims;
using Workspaces.Web.Accounts;
using Workspaces.Web.Audit;
using Workspaces.Web.Authorization;
using Workspaces.Web.Prebuilds;

namespace Workspaces.Web.Admin;

public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin").RequireAuthorization().WithTags("Administration")
            .AddEndpointFilter(async (context, next) =>
            {
                var http = context.HttpContext;
                var access = http.RequestServices.GetRequiredService<AccessService>();
                return await access.IsAdministratorAsync(http.User.Id(), http.RequestAborted)
                    ? await next(context)
                    : TypedResults.Problem("Only administrators may do this.", statusCode: StatusCodes.Status403Forbidden, title: "Not allowed");
            });
        group.MapGet("/users", async (AdminService admin, CancellationToken ct) => TypedResults.Ok(await admin.UsersAsync(ct)));
        group.MapGet("/teams", async (AdminService admin, CancellationToken ct) => TypedResults.Ok(await admin.TeamsAsync(ct)));
        group.MapGet("/projects", async (AdminService admin, CancellationToken ct) => TypedResults.Ok(await admin.ProjectsAsync(ct)));
        group.MapGet("/workspaces", async (AdminService admin, CancellationToken ct) => TypedResults.Ok(await admin.WorkspacesAsync(ct)))
            .WithSummary("Every workspace; stop or delete any with the workspace endpoints.");
        group.MapGet("/prebuilds/storage", async (PrebuildStorage storage, CancellationToken ct) => TypedResults.Ok(await storage.PerProjectAsync(ct)))
            .WithSummary("Storage used by prebuild snapshots, per project (projects with prebuilds on or recorded), the largest first.");
        group.MapPost("/users/{userId}/block", async (string userId, ClaimsPrincipal user, AdminService admin, CancellationToken ct) =>
                (await admin.SetBlockedAsync(user.Id(), userId, true, ct)).ToHttp(_ => TypedResults.NoContent()))
            .WithSummary("Blocks a user: no sign-in, no tokens, terminals cut, workspaces stopped.");
        group.MapPost("/users/{userId}/unblock", async (string userId, ClaimsPrincipal user, AdminService admin, CancellationToken ct) =>
            (await admin.SetBlockedAsync(user.Id(), userId, false, ct)).ToHttp(_ => TypedResults.NoContent()));
        group.MapGet("/audit", async (string? action, string? actor, string? target, DateTimeOffset? since, DateTimeOffset? until, AuditLog audit, CancellationToken ct) =>
                TypedResults.Ok(await audit.QueryAsync(new AuditFilter(action, actor, target, since, until), ct)))
            .WithSummary("The newest audit entries (200 at most), filtered by action (or prefix ending in '.'), actor id or email, target id, time.");
        return app;
    }
}
