using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceAgent.Hubs;

namespace Workspaces.WorkspaceAgent.Files;

public static class FilesExtensions
{
    /// <summary>The editor's file operations and their hub (served by <see cref="AgentHubsExtensions.UseAgentHubs"/>).</summary>
    public static IServiceCollection AddFiles(this IServiceCollection services)
    {
        services.TryAddSingleton(provider => provider.GetRequiredService<AgentBootstrap>().Editor is { } limits
            ? new FilesOptions { SoftLimitBytes = limits.SoftLimitBytes, HardLimitBytes = Math.Max(limits.HardLimitBytes, limits.SoftLimitBytes) }
            : new FilesOptions());
        services.AddSingleton(provider => new WorkspacePaths(provider.GetRequiredService<WorkspaceLayout>().CheckoutDirectory));
        services.AddSingleton<FileService>();
        services.AddSingleton<FileIndex>();
        services.AddSingleton<FileSearch>();
        services.AddSingleton<FileWatcher>();
        services.AddAgentHub(new AgentHubRegistration(
            Shared.Files.FilesHubContract.Path,
            (hubServices, agent) =>
            {
                hubServices.AddSingleton(agent.GetRequiredService<FileService>());
                hubServices.AddSingleton(agent.GetRequiredService<FileIndex>());
                hubServices.AddSingleton(agent.GetRequiredService<FileSearch>());
                hubServices.AddSingleton(agent.GetRequiredService<FileWatcher>());
                hubServices.TryAddSingleton(agent.GetRequiredService<SourceControl.GitSummaryService>());
                hubServices.AddSingleton<FilesChangedNotifier>();
                hubServices.AddSingleton<IHubValueCodec>(new JsonHubValueCodec(FilesJsonContext.Default));
                var limit = agent.GetRequiredService<FilesOptions>().MaxMessageBytes;
                hubServices.AddSignalR().AddHubOptions<FilesHub>(hub => hub.MaximumReceiveMessageSize = limit);
            },
            endpoints => endpoints.MapHub<FilesHub>(Shared.Files.FilesHubContract.Path, connection => connection.Transports = HttpTransportType.WebSockets),
            hubServices => hubServices.GetRequiredService<FilesChangedNotifier>()));
        return services;
    }
}
