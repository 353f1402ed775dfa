using Microsoft.AspNetCore.DataProtection;
using Workspaces.Data;

namespace Workspaces.Web.Hosting;

public static class HostingExtensions
{
    /// <summary>Options, the data directory, the database, Data Protection, the database health check and the OpenAPI document.</summary>
    public static WebApplicationBuilder AddWorkspacesHosting(this WebApplicationBuilder builder)
    {
        // `dotnet run` without a launch profile runs as Production from the build output: serve the static web assets
        // (blazor.web.js, app.css) from their build locations, as Development would. A no-op in a published app.
        builder.WebHost.UseStaticWebAssets();

        var services = builder.Services;
        services.TryAddSingletonTimeProvider();
        services.AddValidatedOptions<DataDirectoryOptions, DataDirectoryOptionsValidator>(builder.Configuration, DataDirectoryOptions.SectionName);
        services.AddValidatedOptions<IdeHostsOptions, IdeHostsOptionsValidator>(builder.Configuration, IdeHostsOptions.SectionName);
        services.AddSingleton<IdeCookies>();

        var dataDirectory = builder.Configuration.GetSection(DataDirectoryOptions.SectionName).Get<DataDirectoryOptions>()?.DataDirectory
            ?? DataDirectoryOptions.DefaultDataDirectory();
        if (Path.IsPathFullyQualified(dataDirectory))
        {
            Directory.CreateDirectory(dataDirectory);
        }

        services.AddWorkspacesData(builder.Configuration, dataDirectory);
        services.AddDataProtection().SetApplicationName("Workspaces").PersistKeysToDbContext<WorkspacesDbContext>();
        // /health (ServiceDefaults) also runs this: a replica whose database does not answer gets no traffic.
        services.AddHealthChecks().AddDbContextCheck<WorkspacesDbContext>("database", tags: ["ready"]);
        services.AddProblemDetails();
        // A malformed request body is the client's mistake: keep its 400 rather than the handler's default 500, and don't
        // log it as a server error (minimal APIs throw it in Development). https://github.com/dotnet/aspnetcore/issues/43831
        services.Configure<ExceptionHandlerOptions>(o =>
        {
            o.StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;
            o.SuppressDiagnosticsCallback = c => c.Exception is BadHttpRequestException;
        });
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        services.AddOpenApi();
        return builder;
    }

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }

    /// <summary>Refuses malformed and unknown hosts (<see cref="HostGuard"/>); call this first.</summary>
    public static IApplicationBuilder UseHostGuard(this IApplicationBuilder app) => app.UseMiddleware<HostGuard>();
}
