using System.Globalization;
using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceAgent.Tasks;

public static class TaskLogApi
{
    /// <summary>The most one response carries; clients page on with the next offset.</summary>
    public const int MaxChunkBytes = 1024 * 1024;

    public const string LogLengthHeader = "X-Log-Length";

    public static IEndpointRouteBuilder MapTaskLogApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AgentProtocol.TaskLogPathPrefix + "{index:int}/log", GetLogAsync);
        return endpoints;
    }

    private static async Task<IResult> GetLogAsync(int index, long? offset, HttpContext context, TaskRunner tasks, WorkspaceLayout layout)
    {
        if (!tasks.HasTask(index))
        {
            return TypedResults.NotFound();
        }

        if (offset < 0)
        {
            return TypedResults.Problem("offset must be 0 or more.", statusCode: StatusCodes.Status400BadRequest);
        }

        var (data, length) = await TaskLog.ReadAsync(layout.TaskLogFile(index), offset ?? 0, MaxChunkBytes, context.RequestAborted);
        context.Response.Headers[LogLengthHeader] = length.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Bytes(data, "text/plain; charset=utf-8");
    }
}
