using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Workspaces.WorkspaceAgent.Hubs;

/// <summary>
/// One hub a feature serves (terminals, files). <paramref name="AddServices"/> adds to the hubs' own service provider
/// what the hub needs from the agent's (its singletons) and its <see cref="IHubValueCodec"/>; <paramref name="Map"/> maps
/// it; <paramref name="Started"/> runs once the provider exists (notifiers that push to clients).
/// </summary>
internal sealed record AgentHubRegistration(
    string Path,
    Action<IServiceCollection, IServiceProvider> AddServices,
    Action<IEndpointRouteBuilder> Map,
    Action<IServiceProvider>? Started = null);

public static class AgentHubsExtensions
{
    internal static IServiceCollection AddAgentHub(this IServiceCollection services, AgentHubRegistration registration) =>
        services.AddSingleton(registration);

    /// <summary>
    /// Serves every registered hub. SignalR (its services, the hub dispatcher, the MessagePack protocol, the endpoints) is
    /// set up on the first request to any hub, in a service provider of its own: an agent nobody opens a terminal or a
    /// file in does not pay for it (about 12 MB of an idle agent).
    /// </summary>
    public static IApplicationBuilder UseAgentHubs(this IApplicationBuilder app)
    {
        var services = app.ApplicationServices;
        var registrations = services.GetServices<AgentHubRegistration>().ToArray();
        var hub = new Lazy<HubPipeline>(() => HubPipeline.Build(services, registrations), LazyThreadSafetyMode.ExecutionAndPublication);
        return app.Use((context, next) =>
            registrations.Any(r => context.Request.Path.StartsWithSegments(r.Path, StringComparison.OrdinalIgnoreCase)) ? hub.Value.InvokeAsync(context) : next(context));
    }

    private sealed class HubPipeline(ServiceProvider services, RequestDelegate pipeline)
    {
        public static HubPipeline Build(IServiceProvider agent, AgentHubRegistration[] registrations)
        {
            var services = new ServiceCollection();
            services.AddSingleton(agent.GetRequiredService<ILoggerFactory>());
            services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
            services.AddSingleton(agent.GetRequiredService<IHostApplicationLifetime>());
            services.AddSingleton(agent.GetRequiredService<TimeProvider>());
            services.AddSingleton(new DiagnosticListener("Workspaces.WorkspaceAgent.Hubs"));
            services.AddMetrics();
            services.AddRouting();

            // MessagePack only: bytes travel as binary, and the JSON protocol would need reflection-based serialization.
            // The protocol is the agent's own (AgentHubProtocol), compatible with SignalR's and compiled ahead of time.
            services.AddSignalR(hub =>
            {
                hub.SupportedProtocols = [AgentHubProtocol.ProtocolName];
                hub.AddFilter(new UnwrapInvocationExceptionsFilter());
                hub.AddFilter(new ReadOnlyConnectionFilter());
            });
            services.AddSingleton<IHubProtocol, AgentHubProtocol>();
            foreach (var registration in registrations)
            {
                registration.AddServices(services, agent);
            }

            var provider = services.BuildServiceProvider();
            foreach (var registration in registrations)
            {
                registration.Started?.Invoke(provider);
            }

            var builder = new ApplicationBuilder(provider);
            builder.UseRouting();
            builder.UseEndpoints(endpoints =>
            {
                foreach (var registration in registrations)
                {
                    registration.Map(endpoints);
                }
            });
            agent.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(() => _ = provider.DisposeAsync().AsTask());
            return new HubPipeline(provider, builder.Build());
        }

        public async Task InvokeAsync(HttpContext context)
        {
            var agentServices = context.RequestServices;
            await using var scope = services.CreateAsyncScope();
            context.RequestServices = scope.ServiceProvider;
            try
            {
                await pipeline(context);
            }
            finally
            {
                context.RequestServices = agentServices;
            }
        }
    }
}
