using Microsoft.AspNetCore.Http.Connections;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Workspaces.Shared.SourceControl;
using Workspaces.WorkspaceAgent.Files;
using Workspaces.WorkspaceAgent.Hubs;

namespace Workspaces.WorkspaceAgent.SourceControl;

public static class SourceControlExtensions
{
    /// <summary>Git for the editor (a hub) and the dashboard (the summary in the status and at <see cref="Shared.SourceControl.SourceControlHubContract.SummaryPath"/>).</summary>
    public static IServiceCollection AddSourceControl(this IServiceCollection services)
    {
        services.AddSingleton<GitRepository>();
        services.AddSingleton<GitSummaryService>();
        services.AddHostedService(provider => provider.GetRequiredService<GitSummaryService>());
        services.AddAgentHub(new AgentHubRegistration(
            Shared.SourceControl.SourceControlHubContract.Path,
            (hubServices, agent) =>
            {
                hubServices.AddSingleton(agent.GetRequiredService<GitRepository>());
                hubServices.TryAddSingleton(agent.GetRequiredService<GitSummaryService>());
                hubServices.AddSingleton<IHubValueCodec>(new JsonHubValueCodec(FilesJsonContext.Default));
            },
            endpoints => endpoints.MapHub<SourceControlHub>(Shared.SourceControl.SourceControlHubContract.Path, connection => connection.Transports = HttpTransportType.WebSockets)));
        return services;
    }

    /// <summary><c>GET /api/git/summary</c>: checked now (the delete confirmation wants it fresh).</summary>
    public static IEndpointRouteBuilder MapSourceControlApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Shared.SourceControl.SourceControlHubContract.SummaryPath, async (GitRepository git, Status.AgentStatusStore status, HttpContext context) =>
        {
            var summary = await git.SummaryAsync(context.RequestAborted);
            status.SetGit(summary);
            return summary is null ? Results.NoContent() : Results.Json(summary, FilesJsonContext.Default.GitSummary);
        });
        return endpoints;
    }
}
