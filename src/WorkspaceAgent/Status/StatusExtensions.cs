namespace Workspaces.WorkspaceAgent.Status;

public static class StatusExtensions
{
    /// <param name="startedAt">When the agent process started: the beginning of the StartingAgent phase.</param>
    public static IServiceCollection AddStatus(this IServiceCollection services, DateTimeOffset startedAt) =>
        services.AddSingleton(provider => new AgentStatusStore(provider.GetRequiredService<TimeProvider>(), startedAt));
}
