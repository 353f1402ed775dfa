using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.Web.Previews;

public static class PreviewsExtensions
{
    public static WebApplicationBuilder AddPreviews(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PreviewOptions>().Bind(builder.Configuration.GetSection(PreviewOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PreviewOptions>, PreviewOptionsValidator>();
        services.AddHttpForwarder();
        // The Kubernetes runtime reports its development namespaces' Services; without it there are none.
        services.TryAddSingleton<IWorkspaceServices, NoWorkspaceServices>();
        services.AddSingleton<ServicePreviewChanges>();
        services.AddHostedService(sp => sp.GetRequiredService<ServicePreviewChanges>());
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
