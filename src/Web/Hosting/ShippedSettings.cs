using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace Workspaces.Web.Hosting;

public static class ShippedSettings
{
    /// <summary>
    /// Started from another directory (<c>dotnet /opt/workspaces/Workspaces.Web.dll</c> in a service unit without a
    /// working directory), the content root has no <c>appsettings.json</c>, and the app would run without the settings it
    /// ships with: every proxied request logged at Information, static assets served for development. The copy next to
    /// the app is then read, below every other source, so the environment and the command line still win.
    /// </summary>
    public static WebApplicationBuilder UseShippedSettings(this WebApplicationBuilder builder, string? appDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        appDirectory ??= AppContext.BaseDirectory;
        if (File.Exists(Path.Combine(builder.Environment.ContentRootPath, "appsettings.json")) || !File.Exists(Path.Combine(appDirectory, "appsettings.json")))
        {
            return builder;
        }

        var shipped = new JsonConfigurationSource { Path = "appsettings.json", Optional = false, FileProvider = new PhysicalFileProvider(appDirectory) };
        ((IConfigurationBuilder)builder.Configuration).Sources.Insert(0, shipped);
        return builder;
    }
}
