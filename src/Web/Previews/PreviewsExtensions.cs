using Microsoft.Extensions.Options;

namespace Workspaces.Web.Previews;

public static class PreviewsExtensions
{
    public static WebApplicationBuilder AddPreviews(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PreviewOptions>().Bind(builder.Configuration.GetSection(PreviewOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PreviewOptions>, PreviewOptionsValidator>();
        services.AddHttpForwarder();
        services.AddSingleton<PreviewState>();
        services.AddHostedService(sp => sp.GetRequiredService<PreviewState>());
        services.AddSingleton<PreviewGrants>();
        services.AddSingleton<PreviewConnections>();
        services.AddSingleton<PreviewRelay>();
        services.AddSingleton<PreviewService>();
        services.AddSingleton<IPortsClient, PortsClient>();
        services.AddSingleton<PreviewMetrics>();
        return builder;
    }

    /// <summary>Preview origins are answered before anything else in the pipeline; call this first.</summary>
    public static IApplicationBuilder UsePreviews(this IApplicationBuilder app) => app.UseMiddleware<PreviewProxy>();
}
