using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;
using Workspaces.Web.Accounts;
using Workspaces.Web.Authorization;
using Workspaces.Web.Prebuilds.Webhooks;

namespace Workspaces.Web.Prebuilds;

public static class PrebuildsApi
{
    public static IEndpointRouteBuilder MapPrebuildsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{projectId}/prebuilds").RequireAuthorization().WithTags("Prebuilds");
        group.MapGet("/", async (string projectId, ClaimsPrincipal user, PrebuildService prebuilds, CancellationToken ct) =>
                (await prebuilds.GetAsync(user.Id(), projectId, ct)).ToHttp(TypedResults.Ok))
            .WithSummary("The project's prebuild settings (the webhook secret for team owners only) and its prebuilds: commit, status, duration, size.");
        group.MapPut("/settings", async (string projectId, PrebuildSettingsRequest request, ClaimsPrincipal user, PrebuildService prebuilds, CancellationToken ct) =>
                (await prebuilds.UpdateSettingsAsync(user.Id(), projectId, request, ct)).ToHttp(TypedResults.Ok))
            .WithSummary("Turns prebuilds on or off and sets branch patterns, every Nth commit, the ancestor limit, retention and the schedule (scheduleHours: 0 off, 1 to 168) (team owners).");
        group.MapPost("/", async (string projectId, RunPrebuildRequest? request, ClaimsPrincipal user, PrebuildService prebuilds, CancellationToken ct) =>
                (await prebuilds.RunNowAsync(user.Id(), projectId, request?.Branch, ct)).ToHttp(p => TypedResults.Accepted($"/api/projects/{projectId}/prebuilds/{p.Id}/log", p)))
            .WithSummary("Run prebuild now: queues a prebuild of a branch (the default when none is named).");
        group.MapGet("/{prebuildId}/log", async (string projectId, string prebuildId, long? offset, ClaimsPrincipal user, PrebuildService prebuilds, CancellationToken ct) =>
                (await prebuilds.GetLogAsync(user.Id(), projectId, prebuildId, offset ?? -1, ct)).ToHttp(TypedResults.Ok))
            .WithSummary("A prebuild's log from an offset (the end of it when none is given), growing while it runs.");

        // Authenticated by the project's webhook secret (each host's signature scheme), not by a session.
        app.MapPost("/api/webhooks/projects/{projectId}", async (string projectId, HttpContext context, WebhookReceiver receiver, CancellationToken ct) =>
            {
                if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
                {
                    size.MaxRequestBodySize = WebhookReceiver.MaxBodyBytes;
                }

                using var buffer = new MemoryStream();
                try
                {
                    await context.Request.Body.CopyToAsync(buffer, ct);
                }
                catch (BadHttpRequestException)
                {
                    return Results.Problem($"The body is larger than {WebhookReceiver.MaxBodyBytes / 1048576} MiB.", statusCode: StatusCodes.Status413PayloadTooLarge);
                }

                var answer = await receiver.ReceiveAsync(projectId, context.Request.Headers, buffer.ToArray(), ct);
                return answer.Status < 300
                    ? Results.Json(new { message = answer.Message, prebuildId = answer.PrebuildId }, statusCode: answer.Status)
                    : Results.Problem(answer.Message, statusCode: answer.Status);
            })
            .AllowAnonymous().DisableAntiforgery().WithTags("Prebuilds")
            .WithSummary("A Git host's push webhook (GitHub, GitLab, Gitea/Forgejo, Bitbucket), verified with the project's webhook secret.");
        return app;
    }
}
