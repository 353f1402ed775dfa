using Workspaces.Web.Audit;
using Workspaces.Web.Authorization;

namespace Workspaces.Web.Projects;

public static class ProjectsExtensions
{
    /// <summary>A team's projects: a repository with the settings and secrets its workspaces start with (<c>/projects/…</c>, <c>/api/projects</c>).</summary>
    public static WebApplicationBuilder AddProjects(this WebApplicationBuilder builder)
    {
        builder.Services.AddAccessPolicy().AddAudit();
        builder.Services.AddSingleton<ProjectService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapProjects(this IEndpointRouteBuilder app) => app.MapProjectsApi();
}
