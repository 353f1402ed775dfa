using Workspaces.Web.Audit;
using Workspaces.Web.Authorization;

namespace Workspaces.Web.Admin;

public static class AdminExtensions
{
    /// <summary>The administrator's users, blocking and the audit log (<c>/admin</c>, <c>/admin/audit</c>, <c>/api/admin</c>).</summary>
    public static WebApplicationBuilder AddAdmin(this WebApplicationBuilder builder)
    {
        builder.Services.AddAccessPolicy().AddAudit();
        builder.Services.AddSingleton<AdminService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app) => app.MapAdminApi();
}
