using System.Security.Claims;
using Workspaces.Web.Accounts;
using Workspaces.Web.Authorization;

namespace Workspaces.Web.Projects;

public static class ProjectsApi
{
    private const string Badge =
        """<svg xmlns="http://www.w3.org/2000/svg" width="150" height="20" role="img" aria-label="Open in Workspaces"><rect width="150" height="20" rx="3" fill="#2f5fd0"/><text x="75" y="14" fill="#fff" font-family="Verdana,sans-serif" font-size="11" text-anchor="middle">Open in Workspaces</text></svg>""";

    public static IEndpointRouteBuilder MapProjectsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/teams/{teamId}/projects", async (string teamId, ProjectRequest request, ClaimsPrincipal user, ProjectService projects, CancellationToken ct) =>
                (await projects.CreateAsync(user.Id(), teamId, request, ct)).ToHttp(p => TypedResults.Created($"/api/projects/{p.Id}", p)))
            .RequireAuthorization().WithTags("Projects").WithSummary("Creates a project in a team (team owners).");

        var group = app.MapGroup("/api/projects").RequireAuthorization().WithTags("Projects");
        group.MapGet("/{projectId}", async (string projectId, ClaimsPrincipal user, ProjectService projects, CancellationToken ct) =>
                (await projects.GetAsync(user.Id(), projectId, ct)).ToHttp(TypedResults.Ok))
            .WithSummary("A project with its variables; secrets are listed by name only.");
        group.MapPut("/{projectId}", async (string projectId, ProjectRequest request, ClaimsPrincipal user, ProjectService projects, CancellationToken ct) =>
            (await projects.UpdateAsync(user.Id(), projectId, request, ct)).ToHttp(TypedResults.Ok));
        group.MapDelete("/{projectId}", async (string projectId, ClaimsPrincipal user, ProjectService projects, CancellationToken ct) =>
            (await projects.DeleteAsync(user.Id(), projectId, ct)).ToHttp(_ => TypedResults.NoContent()));
        group.MapPut("/{projectId}/variables/{name}", async (string projectId, string name, VariableRequest request, ClaimsPrincipal user, ProjectService projects, CancellationToken ct) =>
                (await projects.SetVariableAsync(user.Id(), projectId, name, request, ct)).ToHttp(TypedResults.Ok))
            .WithSummary("Sets a variable; with secret=true the value is encrypted and never returned again.");
        group.MapDelete("/{projectId}/variables/{name}", async (string projectId, string name, ClaimsPrincipal user, ProjectService projects, CancellationToken ct) =>
            (await projects.DeleteVariableAsync(user.Id(), projectId, name, ct)).ToHttp(_ => TypedResults.NoContent()));
        group.MapPost("/{projectId}/workspaces", async (string projectId, ClaimsPrincipal user, ProjectService projects, CancellationToken ct) =>
                (await projects.OpenWorkspaceAsync(user.Id(), projectId, null, ct)).ToHttp(w => TypedResults.Created($"/api/workspaces/{w.Id}", w)))
            .WithSummary("Creates the caller's workspace for the project, with its variables and secrets, and starts it.");

        app.MapGet("/badge.svg", () => Results.Text(Badge, "image/svg+xml")).AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
