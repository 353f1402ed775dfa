using Workspaces.Web.Audit;
using Workspaces.Web.Authorization;

namespace Workspaces.Web.Sharing;

public static class SharingExtensions
{
    /// <summary>Sharing a workspace with other users (the workspace page's share panel, <c>/api/workspaces/{id}/shares</c>).</summary>
    public static WebApplicationBuilder AddSharing(this WebApplicationBuilder builder)
    {
        builder.Services.AddAccessPolicy().AddAudit();
        builder.Services.AddSingleton<WorkspaceSharingService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapSharing(this IEndpointRouteBuilder app) => app.MapSharingApi();
}
