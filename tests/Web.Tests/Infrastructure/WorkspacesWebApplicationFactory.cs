using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Workspaces.Web.Tests.Infrastructure;

/// <summary>
/// The real web app (its own Program.cs) on Kestrel and a free loopback port. Settings go in through
/// <see cref="HostingAbstractionsWebHostBuilderExtensions.UseSetting"/>, which Program.cs sees before <c>Build()</c>.
/// </summary>
/// <remarks>
/// A subclass rather than <c>WithWebHostBuilder</c>: a derived factory builds its host through the parent's
/// <c>CreateHost</c>, which does not know the port given to the derived factory's <c>UseKestrel(0)</c>, so the app would
/// listen on Kestrel's default port 5000 and parallel test classes would collide.
/// </remarks>
public sealed class WorkspacesWebApplicationFactory(IReadOnlyDictionary<string, string?> settings, LogCapture? logs = null, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null) : WebApplicationFactory<Program>
{
    // UseKestrel registers Kestrel's services after Program.cs's: keep the product's connection buffers.
    protected override IHost CreateHost(IHostBuilder builder)
    {
        builder.ConfigureServices(global::Workspaces.Web.Hosting.ConnectionBuffers.AddPool);
        return base.CreateHost(builder);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }

        if (logs is not null)
        {
            builder.ConfigureLogging(logging => logging.AddProvider(logs).AddFilter<LogCapture>(null, LogLevel.Trace));
        }
    }
}
