using Microsoft.Extensions.DependencyInjection.Extensions;
using Workspaces.Web.Repositories;

namespace Workspaces.Web.Variables;

public static class VariablesExtensions
{
    /// <summary>The environment variables a workspace starts with: a user's own (<c>/settings</c>, <c>/api/me/variables</c>) and its project's.</summary>
    public static WebApplicationBuilder AddVariables(this WebApplicationBuilder builder)
    {
        builder.Services.AddVariableProtection().AddRepositoryGuard(builder.Configuration);
        builder.Services.AddSingleton<PersonalSettingsService>();
        builder.Services.AddSingleton<WorkspaceEnvironment>();
        return builder;
    }

    /// <summary>The encryption of stored variable values, which workspaces and projects use too; adding it twice is harmless.</summary>
    public static IServiceCollection AddVariableProtection(this IServiceCollection services)
    {
        services.TryAddSingleton<VariableProtection>();
        return services;
    }

    public static IEndpointRouteBuilder MapVariables(this IEndpointRouteBuilder app) => app.MapPersonalSettingsApi();
}
