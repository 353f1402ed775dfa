using Workspaces.Web.Admin;
using Workspaces.Web.Audit;
using Workspaces.Web.Authorization;
using Workspaces.Web.Projects;
using Workspaces.Web.Sharing;
using Workspaces.Web.Variables;

namespace Workspaces.Web.Teams;

public static class TeamsExtensions
{
    /// <summary>The access rules, the audit log, teams, projects, and the variables workspaces start with.</summary>
    public static WebApplicationBuilder AddTeams(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddHttpContextAccessor();
        services.AddSingleton<AccessService>();
        services.AddSingleton<LiveSessions>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<AuditSearch>();
        services.AddSingleton<TeamService>();
        services.AddSingleton<ProjectService>();
        services.AddSingleton<VariableProtection>();
        services.AddSingleton<PersonalSettingsService>();
        services.AddSingleton<WorkspaceEnvironment>();
        services.AddSingleton<WorkspaceSharingService>();
        services.AddSingleton<AdminService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapTeams(this IEndpointRouteBuilder app)
    {
        app.MapTeamsApi();
        app.MapProjectsApi();
        app.MapPersonalSettingsApi();
        app.MapSharingApi();
        app.MapAdminApi();
        return app;
    }
}
