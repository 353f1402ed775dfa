using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;
using Workspaces.WorkspaceAgent.Cloning;
using Workspaces.WorkspaceAgent.Configuration;
using Workspaces.WorkspaceAgent.Hosting;
using Workspaces.WorkspaceAgent.Tasks;

namespace Workspaces.WorkspaceAgent.Tests.Infrastructure;

/// <summary>
/// The whole agent in the test process (real Kestrel on a free port, real clone worker, real task processes), with
/// a hand-built workspace configuration instead of the repository's files.
/// </summary>
internal sealed class AgentTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AgentTestHost(WebApplication app, Uri baseAddress, AgentBootstrap bootstrap)
    {
        _app = app;
        BaseAddress = baseAddress;
        Bootstrap = bootstrap;
        Client = new AgentClient(baseAddress);
    }

    public Uri BaseAddress { get; }

    public AgentBootstrap Bootstrap { get; }

    public WorkspaceLayout Layout => TestBootstraps.LayoutOf(Bootstrap);

    public AgentClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <param name="configureServices">Replaces more services (terminal options, ...).</param>
    public static async Task<AgentTestHost> StartAsync(AgentBootstrap bootstrap, WorkspaceConfig? config = null, Action<IServiceCollection>? configureServices = null)
    {
        var app = AgentApplication.Create(bootstrap, TimeProvider.System.GetUtcNow(), services =>
        {
            services.RemoveAll<ILoggerProvider>();
            services.AddSingleton(AgentBinary.CloneWorker);
            services.AddSingleton(new TaskRunnerOptions { StopGracePeriod = TimeSpan.FromSeconds(2) });
            if (config is not null)
            {
                services.AddSingleton<IWorkspaceConfigSource>(new FixedConfigSource(config));
            }

            configureServices?.Invoke(services);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new AgentTestHost(app, new Uri(address), bootstrap);
    }

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
