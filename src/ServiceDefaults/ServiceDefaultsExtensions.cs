using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Workspaces.ServiceDefaults.Health;
using Workspaces.ServiceDefaults.Logging;
using Workspaces.ServiceDefaults.Telemetry;

namespace Workspaces.ServiceDefaults;

/// <summary>What the web app, the controller and the agent share, as .NET Aspire's ServiceDefaults project does.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Telemetry (off unless configured), the health checks behind <c>/health</c> and <c>/alive</c>, the console format.</summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder, ServiceIdentity service)
    {
        builder.AddTelemetry(service);
        builder.AddConsoleFormat();
        builder.Services.AddDefaultHealthChecks();
        return builder;
    }

    /// <summary><c>/health</c>, <c>/alive</c> and, when enabled on the app's port, <c>/metrics</c>.</summary>
    public static IEndpointRouteBuilder MapDefaultEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthEndpoints();
        endpoints.MapTelemetryEndpoints();
        return endpoints;
    }
}
