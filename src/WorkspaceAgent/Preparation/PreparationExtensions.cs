namespace Workspaces.WorkspaceAgent.Preparation;

public static class PreparationExtensions
{
    /// <summary>Clone, dotfiles, secret files and tasks, in order, once the agent listens.</summary>
    public static IServiceCollection AddPreparation(this IServiceCollection services) =>
        services.AddHostedService<WorkspacePreparationService>();
}
