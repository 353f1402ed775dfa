namespace Workspaces.WorkspaceAgent.Tasks;

public static class TasksExtensions
{
    /// <summary>The configured tasks, run in terminals (logs at <see cref="TaskLogApi.MapTaskLogApi"/>).</summary>
    public static IServiceCollection AddTasks(this IServiceCollection services)
    {
        services.AddSingleton<TaskRunnerOptions>();
        services.AddSingleton<TaskRunner>();
        return services;
    }
}
