using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Workspaces.WorkspaceAgent.Cloning;

public static class CloningExtensions
{
    /// <summary>The cloner, running each clone in a worker process of this binary (tests may put in their own command).</summary>
    public static IServiceCollection AddCloning(this IServiceCollection services)
    {
        services.TryAddSingleton(CloneWorkerCommand.ForCurrentProcess());
        services.AddSingleton<ICloneRunner, WorkerProcessCloneRunner>();
        services.AddSingleton<RepositoryCloner>();
        return services;
    }
}
