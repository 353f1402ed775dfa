using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceAgent.Hosting;

public static class HealthApi
{
    /// <summary>Probes without the secret: <c>/health</c> answers "ok" once the agent serves, <c>/alive</c> while the process lives.</summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AgentProtocol.HealthPath, () => TypedResults.Text("ok"));
        endpoints.MapGet("/alive", () => TypedResults.Ok());
        return endpoints;
    }
}
