using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Workspaces.Web.SourceControl;

public static class SourceControlExtensions
{
    /// <summary>
    /// A workspace's Git summary (the dashboard, the delete confirmation); workspaces add it too, adding it twice is
    /// harmless. Pulls, pushes and commits go from the editor to the agent through <see cref="Agents.AgentForwarder"/>,
    /// which adds the user's stored Git credential.
    /// </summary>
    public static IServiceCollection AddSourceControl(this IServiceCollection services)
    {
        services.TryAddSingleton<WorkspaceGit>();
        return services;
    }
}
