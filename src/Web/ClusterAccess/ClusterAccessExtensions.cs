using System.Security.Claims;
using Workspaces.Web.Accounts;
using Workspaces.Web.Authorization;

namespace Workspaces.Web.ClusterAccess;

public static class ClusterAccessExtensions
{
    /// <summary>Projects' cluster access: its options (validated at start) and the service behind the API and the project page.</summary>
    public static WebApplicationBuilder AddClusterAccess(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ClusterAccessWebOptions>().Bind(builder.Configuration.GetSection(ClusterAccessWebOptions.SectionName)).ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<ClusterAccessWebOptions>, ClusterAccessWebOptionsValidator>();
        builder.Services.AddSingleton<ClusterAccessService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapClusterAccessApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{projectId}/cluster-access").RequireAuthorization().WithTags("Projects");
        group.MapGet("", async (string projectId, ClaimsPrincipal user, ClusterAccessService service, CancellationToken ct) =>
                (await service.GetAsync(user.Id(), projectId, ct)).ToHttp(TypedResults.Ok))
            .WithSummary("Whether the project's workspaces get a development namespace, and with which Role; whether this server can give one.");
        group.MapPut("", async (string projectId, ClusterAccessRequest request, ClaimsPrincipal user, ClusterAccessService service, CancellationToken ct) =>
                (await service.UpdateAsync(user.Id(), projectId, request, ct)).ToHttp(TypedResults.Ok))
            .WithSummary("Turns cluster access on or off (team owners). A pattern that could name a system namespace, or rules wider than the administrator allows, are refused.");
        return app;
    }
}
