using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Terminals;
using Workspaces.WorkspaceAgent.Hubs;
using Workspaces.WorkspaceAgent.Terminals.Native;

namespace Workspaces.WorkspaceAgent.Terminals;

public static class TerminalsExtensions
{
    /// <summary>A paste larger than this should be sent in pieces (SignalR's default is 32 KiB).</summary>
    private const int MaxInputMessageBytes = 256 * 1024;

    /// <summary>The terminals and their hub (served by <see cref="AgentHubsExtensions.UseAgentHubs"/>).</summary>
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
        services.AddAgentHub(HubRegistration());
        return services;
    }

    private static AgentHubRegistration HubRegistration() => new(
        TerminalsHubContract.Path,
        (hubServices, agent) =>
        {
            hubServices.AddSingleton(agent.GetRequiredService<TerminalManager>());
            hubServices.AddSingleton<IHubValueCodec, TerminalHubValues>();
            hubServices.AddSingleton<TerminalsChangedNotifier>();
            hubServices.AddSignalR().AddHubOptions<TerminalsHub>(hub => hub.MaximumReceiveMessageSize = MaxInputMessageBytes);
        },

        // WebSockets only: the web app forwards one WebSocket per client, and flow control assumes a stream.
        endpoints => endpoints.MapHub<TerminalsHub>(TerminalsHubContract.Path, connection => connection.Transports = HttpTransportType.WebSockets),
        hubServices => hubServices.GetRequiredService<TerminalsChangedNotifier>());
}
