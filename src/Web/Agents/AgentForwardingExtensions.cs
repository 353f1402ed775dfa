using Workspaces.Web.Hosting;

namespace Workspaces.Web.Agents;

public static class AgentForwardingExtensions
{
    public static WebApplicationBuilder AddAgentForwarding(this WebApplicationBuilder builder)
    {
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton<AgentForwarder>();
        return builder;
    }

    /// <summary>Whether a request is for an agent (a WebSocket or API client: it gets a status code, not a login page).</summary>
    public static bool IsAgentPath(PathString path) =>
        path.Value?.Split('/', 5) is [_, "workspaces", _, "agent", ..];

    /// <summary>The browser's address of an agent path (a hub's <c>Path</c> from Shared) of a workspace.</summary>
    public static string BrowserPath(string workspaceId, string agentPath) => $"/workspaces/{workspaceId}/agent{agentPath}";

    /// <summary><c>/workspaces/{id}/agent/{path}</c>: the browser's way to an agent (terminals), for the workspace's owner.</summary>
    public static IEndpointRouteBuilder MapAgentForwarding(this IEndpointRouteBuilder app)
    {
        app.Map("/workspaces/{workspaceId}/agent/{**path}", (HttpContext context, string workspaceId, string path, AgentForwarder forwarder) =>
                forwarder.ForwardAsync(context, workspaceId, path))
            .RequireAuthorization()
            .DisableAntiforgery()
            .ExcludeFromDescription()
            .StaysOnSocketThread();
        return app;
    }
}
