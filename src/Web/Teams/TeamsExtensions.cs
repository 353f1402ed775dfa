using Workspaces.Web.Audit;
using Workspaces.Web.Authorization;

namespace Workspaces.Web.Teams;

public static class TeamsExtensions
{
    /// <summary>Teams, their members and invitations (<c>/teams</c>, <c>/invite/…</c>, <c>/api/teams</c>).</summary>
    public static WebApplicationBuilder AddTeams(this WebApplicationBuilder builder)
    {
        builder.Services.AddAccessPolicy().AddAudit();
        builder.Services.AddSingleton<TeamService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapTeams(this IEndpointRouteBuilder app) => app.MapTeamsApi();
}
