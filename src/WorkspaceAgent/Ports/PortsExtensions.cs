using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Workspaces.WorkspaceAgent.Ports;

public static class PortsExtensions
{
    /// <summary>
    /// The ports the workspace's processes listen on (watched, reported in the status) and the relay to them (mapped by
    /// <see cref="PortRelayApi.MapPortRelayApi"/>).
    /// </summary>
    public static IServiceCollection AddPorts(this IServiceCollection services)
    {
        services.TryAddSingleton<PortWatcherOptions>();
        services.TryAddSingleton<IListeningSockets>(provider => ListeningSockets.Create(
            provider.GetRequiredService<PortWatcherOptions>().ProcRoot,
            provider.GetRequiredService<ILogger<ListeningSockets>>()));
        services.AddSingleton<PortWatcher>();
        services.AddHostedService(provider => provider.GetRequiredService<PortWatcher>());
        services.AddSingleton<PortRelay>();
        return services;
    }
}
