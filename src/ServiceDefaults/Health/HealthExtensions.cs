using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Workspaces.ServiceDefaults.Health;

/// <summary>
/// The same probes in every process: <c>/alive</c> answers while the process runs (checks tagged <see cref="LiveTag"/>
/// only: restart me if this fails), <c>/health</c> runs every check (send me traffic: the database answers, …). Both
/// answer <c>Healthy</c> (200) or <c>Unhealthy</c> (503) in plain text, without sign-in.
/// </summary>
public static class HealthExtensions
{
    public const string LiveTag = "live";
    public const string HealthPath = "/health";
    public const string AlivePath = "/alive";

    public static IHealthChecksBuilder AddDefaultHealthChecks(this IServiceCollection services) =>
        services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks(HealthPath);
        endpoints.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) });
        return endpoints;
    }
}
