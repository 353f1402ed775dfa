using Microsoft.AspNetCore.Http.Connections;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Terminals;
using Workspaces.WorkspaceAgent.Terminals.Native;

namespace Workspaces.WorkspaceAgent.Terminals;

public static class TerminalsExtensions
{
    /// <summary>A paste larger than this should be sent in pieces (SignalR's default is 32 KiB).</summary>
    private const int MaxInputMessageBytes = 256 * 1024;

    public static IServiceCollection AddTerminals(this IServiceCollection services)
    {
        services.TryAddSingleton<TerminalOptions>();
        services.AddSingleton(provider => new PtyReactor(provider.GetRequiredService<ILogger<PtyReactor>>()));
        services.AddSingleton<ChildProcessExits>();
        services.AddSingleton(provider => new TerminalManager(
            provider.GetRequiredService<TerminalOptions>(),
            provider.GetRequiredService<PtyReactor>(),
            provider.GetRequiredService<ChildProcessExits>(),
            provider.GetRequiredService<AgentBootstrap>(),
            provider.GetRequiredService<WorkspaceLayout>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<TerminalsChangedNotifier>();

        // MessagePack only: output travels as binary, and the JSON protocol would need reflection-based serialization.
        services.AddSignalR(hub =>
            {
                hub.SupportedProtocols = ["messagepack"];
                hub.MaximumReceiveMessageSize = MaxInputMessageBytes;
            })
            .AddMessagePackProtocol();
        return services;
    }

    public static IEndpointRouteBuilder MapTerminals(this IEndpointRouteBuilder endpoints)
    {
        endpoints.ServiceProvider.GetRequiredService<TerminalsChangedNotifier>();

        // WebSockets only: the web app forwards one WebSocket per client; long polling would buffer output unbounded.
        endpoints.MapHub<TerminalsHub>(TerminalHub.Path, connection => connection.Transports = HttpTransportType.WebSockets);
        return endpoints;
    }
}
