namespace Workspaces.WorkspaceAgent.Configuration;

public static class ConfigurationExtensions
{
    /// <summary>The repository's own configuration (<c>.gitpod.yml</c>, devcontainer), read from the checkout.</summary>
    public static IServiceCollection AddWorkspaceConfig(this IServiceCollection services) =>
        services.AddSingleton<IWorkspaceConfigSource, RepositoryConfigSource>();
}
