using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Workspaces.Web.Authorization;

public static class AuthorizationExtensions
{
    /// <summary>
    /// The one access policy (who may do what to a workspace, a team, a project) and the open connections it cuts when
    /// access is taken away. Every capability that checks access calls this; adding it twice is harmless.
    /// </summary>
    public static IServiceCollection AddAccessPolicy(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.TryAddSingleton<AccessService>();
        services.TryAddSingleton<LiveSessions>();
        return services;
    }
}
