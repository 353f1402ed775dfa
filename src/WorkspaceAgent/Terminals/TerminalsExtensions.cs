using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Terminals;
using Workspaces.WorkspaceAgent.Terminals.Native;

namespace Workspaces.WorkspaceAgent.Terminals;

public static class TerminalsExtensions
{
    /// <summary>A paste larger than this should be sent in pieces (SignalR's default is 32 KiB).</summary>
    private const int MaxInputMessageBytes = 256 * 1024;

    /// <summary>The terminals themselves; the hub comes with <see cref="UseTerminals"/>.</summary>
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
        return services;
    }

    /// <summary>
    /// Serves the hub at <see cref="TerminalHub.Path"/>. SignalR (its services, the hub dispatcher, the MessagePack
    /// protocol, the endpoints) is set up on the first request there, in a service provider of its own: an agent nobody
    /// opens a terminal in does not pay for it (about 12 MB of an idle agent).
    /// </summary>
    public static IApplicationBuilder UseTerminals(this IApplicationBuilder app)
    {
        var services = app.ApplicationServices;
        var hub = new Lazy<HubPipeline>(() => HubPipeline.Build(services), LazyThreadSafetyMode.ExecutionAndPublication);
        return app.Use((context, next) =>
            context.Request.Path.StartsWithSegments(TerminalHub.Path, StringComparison.OrdinalIgnoreCase) ? hub.Value.InvokeAsync(context) : next(context));
    }

    private sealed class HubPipeline(ServiceProvider services, RequestDelegate pipeline)
    {
        public static HubPipeline Build(IServiceProvider agent)
        {
            var services = new ServiceCollection();
            services.AddSingleton(agent.GetRequiredService<ILoggerFactory>());
            services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
            services.AddSingleton(agent.GetRequiredService<IHostApplicationLifetime>());
            services.AddSingleton(agent.GetRequiredService<TerminalManager>());
            services.AddSingleton(new DiagnosticListener("Workspaces.WorkspaceAgent.Terminals"));
            services.AddMetrics();
            services.AddRouting();

            // MessagePack only: output travels as binary, and the JSON protocol would need reflection-based serialization.
            // The protocol is the agent's own (TerminalHubProtocol), compatible with SignalR's and compiled ahead of time.
            services.AddSignalR(hub =>
            {
                hub.SupportedProtocols = [TerminalHubProtocol.ProtocolName];
                hub.MaximumReceiveMessageSize = MaxInputMessageBytes;
                hub.AddFilter(new UnwrapInvocationExceptionsFilter());
            });
            services.AddSingleton<IHubProtocol, TerminalHubProtocol>();
            services.AddSingleton<TerminalsChangedNotifier>();
            var provider = services.BuildServiceProvider();
            provider.GetRequiredService<TerminalsChangedNotifier>();

            var builder = new ApplicationBuilder(provider);
            builder.UseRouting();

            // WebSockets only: the web app forwards one WebSocket per client, and flow control assumes a stream.
            builder.UseEndpoints(endpoints => endpoints.MapHub<TerminalsHub>(TerminalHub.Path, connection => connection.Transports = HttpTransportType.WebSockets));
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
