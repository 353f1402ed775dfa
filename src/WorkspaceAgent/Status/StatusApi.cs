using System.Globalization;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceAgent.Hosting;

namespace Workspaces.WorkspaceAgent.Status;

public static class StatusApi
{
    public static IEndpointRouteBuilder MapStatusApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AgentProtocol.StatusPath, GetStatusAsync);
        return endpoints;
    }

    /// <summary>The status now, or with <c>after</c> the first status newer than that version (waiting up to <c>waitMs</c>).</summary>
    private static async Task<IResult> GetStatusAsync(HttpContext context, AgentStatusStore store)
    {
        var query = context.Request.Query;
        if (!TryParse(query["after"], out var after) || !TryParse(query["waitMs"], out var waitMs))
        {
            return TypedResults.Problem("after and waitMs must be whole numbers.", statusCode: StatusCodes.Status400BadRequest);
        }

        var status = after is { } version
            ? await store.WaitForChangeAsync(version, ClampWait(waitMs), context.RequestAborted)
            : store.Current;
        return TypedResults.Json(status, AgentJsonContext.Default.AgentStatus);
    }

    private static TimeSpan ClampWait(long? waitMs) =>
        waitMs is not { } ms || ms <= 0 ? TimeSpan.Zero
        : ms >= AgentProtocol.MaxStatusWait.TotalMilliseconds ? AgentProtocol.MaxStatusWait
        : TimeSpan.FromMilliseconds(ms);

    private static bool TryParse(string? text, out long? value)
    {
        value = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
            return true;
        }

        return false;
    }
}
