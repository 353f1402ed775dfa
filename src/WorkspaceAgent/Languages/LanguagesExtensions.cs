using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceAgent.Configuration;
using Workspaces.WorkspaceAgent.Hubs;
using Workspaces.WorkspaceAgent.Tasks;
using Workspaces.WorkspaceAgent.Terminals;

namespace Workspaces.WorkspaceAgent.Languages;

public static class LanguagesExtensions
{
    /// <summary>Language servers for the editor and their hub (served by <see cref="AgentHubsExtensions.UseAgentHubs"/>).</summary>
    public static IServiceCollection AddLanguages(this IServiceCollection services)
    {
        services.TryAddSingleton(provider => LanguagesOptions.From(provider.GetRequiredService<AgentBootstrap>().Languages));
        services.TryAddSingleton(provider =>
        {
            var bootstrap = provider.GetRequiredService<AgentBootstrap>();
            var layout = provider.GetRequiredService<WorkspaceLayout>();
            var config = provider.GetRequiredService<IWorkspaceConfigSource>();
            return new LanguageServerLaunch(layout.CheckoutDirectory, () =>
                TerminalEnvironment.ForShell(TaskEnvironment.OfCurrentProcess(), ReadConfig(config, layout), bootstrap));
        });
        services.TryAddSingleton(provider =>
        {
            var options = provider.GetRequiredService<LanguagesOptions>();
            var layout = provider.GetRequiredService<WorkspaceLayout>();
            var config = provider.GetRequiredService<IWorkspaceConfigSource>();
            return new LanguageServers(
                () => new LanguageServerTable(options.Servers, options.AllowRepositoryServers ? ReadConfig(config, layout)?.LanguageServers : null),
                provider.GetRequiredService<LanguageServerLaunch>(),
                options,
                provider.GetRequiredService<TimeProvider>(),
                provider.GetRequiredService<ILoggerFactory>());
        });
        services.AddHostedService<LanguageServerSweeper>();
        services.AddAgentHub(new AgentHubRegistration(
            Shared.Languages.LanguagesHubContract.Path,
            (hubServices, agent) =>
            {
                hubServices.AddSingleton(agent.GetRequiredService<LanguageServers>());
                hubServices.AddSingleton<IHubValueCodec>(new JsonHubValueCodec(LanguagesHubJsonContext.Default));
                var limit = agent.GetRequiredService<LanguagesOptions>().MaxMessageBytes;
                hubServices.AddSignalR().AddHubOptions<LanguagesHub>(hub => hub.MaximumReceiveMessageSize = limit);
            },
            endpoints => endpoints.MapHub<LanguagesHub>(Shared.Languages.LanguagesHubContract.Path, connection => connection.Transports = HttpTransportType.WebSockets)));
        return services;
    }

    private static Shared.Configuration.WorkspaceConfig? ReadConfig(IWorkspaceConfigSource source, WorkspaceLayout layout) =>
        Directory.Exists(layout.CheckoutDirectory) ? source.Read(layout.CheckoutDirectory) : null;
}

/// <summary>Cancels overdue requests, stops idle servers and reads their memory, every sweep interval.</summary>
internal sealed class LanguageServerSweeper(LanguageServers servers, LanguagesOptions options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                servers.Sweep();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await servers.DisposeAsync();
        }
    }
}
