using Microsoft.Extensions.DependencyInjection.Extensions;
using Workspaces.Web.Hosting;

namespace Workspaces.Web.Repositories;

public static class RepositoriesExtensions
{
    /// <summary>The check every repository URL passes before a clone (workspaces, personal dotfiles); adding it twice is harmless.</summary>
    public static IServiceCollection AddRepositoryGuard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<CloneSourceOptions, CloneSourceOptionsValidator>(configuration, CloneSourceOptions.SectionName);
        services.TryAddSingleton<RepositoryGuard>();
        return services;
    }
}
