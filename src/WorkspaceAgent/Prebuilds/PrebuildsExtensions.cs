namespace Workspaces.WorkspaceAgent.Prebuilds;

public static class PrebuildsExtensions
{
    /// <summary>Checking out the head over a restored prebuild.</summary>
    public static IServiceCollection AddPrebuilds(this IServiceCollection services) =>
        services.AddSingleton<PrebuildCheckout>();
}
