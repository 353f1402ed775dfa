using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Workspaces.Shared.Variables;
using Workspaces.Web.Accounts;
using Workspaces.Web.Authorization;

namespace Workspaces.Web.Workspaces;

public static class WorkspacesApi
{
    public static IEndpointRouteBuilder MapWorkspacesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/workspaces").RequireAuthorization().WithTags("Workspaces");
        group.MapPost("/", CreateAsync).WithSummary("Creates a workspace from a Git URL and starts it.");
        group.MapGet("/", async (ClaimsPrincipal user, WorkspaceService workspaces, CancellationToken ct) => TypedResults.Ok(await workspaces.ListAsync(user.Id(), ct)));
        group.MapGet("/{id}", GetAsync).WithSummary("Status, phase, timings of the last start, tasks and error of a workspace.");
        group.MapPost("/{id}/start", (string id, ClaimsPrincipal user, WorkspaceService workspaces, CancellationToken ct) => Accepted(workspaces.StartAsync(user.Id(), id, ct)))
            .WithSummary("Starts a stopped workspace, or retries a failed start.");
        group.MapPost("/{id}/stop", (string id, ClaimsPrincipal user, WorkspaceService workspaces, CancellationToken ct) => Accepted(workspaces.StopAsync(user.Id(), id, ct)))
            .WithSummary("Stops a workspace; its files are kept.");
        group.MapPost("/{id}/restart", (string id, ClaimsPrincipal user, WorkspaceService workspaces, CancellationToken ct) => Accepted(workspaces.RestartAsync(user.Id(), id, ct)));
        group.MapDelete("/{id}", (string id, ClaimsPrincipal user, WorkspaceService workspaces, CancellationToken ct) => Accepted(workspaces.DeleteAsync(user.Id(), id, ct)))
            .WithSummary("Deletes a workspace and its files, uncommitted changes included.");
        group.MapGet("/{id}/tasks/{index:int}/log", TaskLogAsync).WithSummary("A task's output from byte offset ?offset=n.");
        return app;
    }

    /// <param name="Environment">Variables for the workspace, under the same rule and limits as an open link's
    /// (<see cref="VariableRules"/>: no loader hooks, proxies, Git redirection, …; at most 32).</param>
    public sealed record CreateWorkspaceRequest(string? RepositoryUrl, string? Ref, Dictionary<string, string>? Environment = null);

    private static async Task<Results<Created<WorkspaceView>, ValidationProblem>> CreateAsync(
        CreateWorkspaceRequest request, ClaimsPrincipal user, WorkspaceService workspaces, CancellationToken cancellationToken)
    {
        if (request.Environment is { } environment && VariableRules.SetRefusal(environment) is { } refused)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["environment"] = [refused] });
        }

        var result = await workspaces.CreateAsync(user.Id(), request.RepositoryUrl, request.Ref, new WorkspaceCreationOptions(LinkEnvironment: request.Environment), cancellationToken);
        return result.Value is { } created
            ? TypedResults.Created($"/api/workspaces/{created.Id}", created)
            : TypedResults.ValidationProblem(new Dictionary<string, string[]> { [result.Field!] = [result.Error!] });
    }

    private static async Task<Results<Ok<WorkspaceDetails>, NotFound>> GetAsync(string id, ClaimsPrincipal user, WorkspaceService workspaces, CancellationToken cancellationToken) =>
        await workspaces.GetDetailsAsync(user.Id(), id, cancellationToken) is { } details ? TypedResults.Ok(details) : TypedResults.NotFound();

    private static async Task<Results<Accepted<WorkspaceView>, NotFound, ForbidHttpResult>> Accepted(Task<Outcome<WorkspaceView>> action) =>
        await action switch
        {
            { Kind: ActionOutcome.Ok, Value: { } view } => TypedResults.Accepted($"/api/workspaces/{view.Id}", view),
            { Kind: ActionOutcome.Forbidden } => TypedResults.Forbid(),
            _ => TypedResults.NotFound(),
        };

    private static async Task<Results<ContentHttpResult, NotFound, ProblemHttpResult>> TaskLogAsync(
        string id, int index, long? offset, ClaimsPrincipal user, WorkspaceLogs logs, HttpResponse response, CancellationToken cancellationToken)
    {
        var chunk = await logs.ReadTaskLogAsync(user.Id(), id, index, offset ?? 0, cancellationToken);
        if (chunk is null)
        {
            return TypedResults.NotFound();
        }

        response.Headers["X-Log-Length"] = chunk.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Text(chunk.Text, "text/plain; charset=utf-8");
    }
}
