using Microsoft.Extensions.Logging.Console;

namespace Workspaces.WorkspaceAgent.Hosting;

public static class AgentLoggingExtensions
{
    /// <summary>
    /// One plain line per entry on the console (the runtime redirects it into the workspace's agent.log), every line
    /// carrying the workspace id.
    /// </summary>
    public static ILoggingBuilder AddAgentLogging(this ILoggingBuilder logging, string workspaceId)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.IncludeScopes = true;
            console.ColorBehavior = LoggerColorBehavior.Disabled;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.Services.AddSingleton<IExternalScopeProvider>(new WorkspaceScopeProvider(workspaceId));
        return logging;
    }
}
