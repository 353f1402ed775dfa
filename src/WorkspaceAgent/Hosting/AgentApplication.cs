using Microsoft.Extensions.DependencyInjection.Extensions;
using Workspaces.ServiceDefaults;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceAgent.Cloning;
using Workspaces.WorkspaceAgent.Configuration;
using Workspaces.WorkspaceAgent.Dotfiles;
using Workspaces.WorkspaceAgent.Files;
using Workspaces.WorkspaceAgent.Hubs;
using Workspaces.WorkspaceAgent.Languages;
using Workspaces.WorkspaceAgent.Ports;
using Workspaces.WorkspaceAgent.Prebuilds;
using Workspaces.WorkspaceAgent.Preparation;
using Workspaces.WorkspaceAgent.Security;
using Workspaces.WorkspaceAgent.SourceControl;
using Workspaces.WorkspaceAgent.Ssh;
using Workspaces.WorkspaceAgent.Status;
using Workspaces.WorkspaceAgent.Tasks;
using Workspaces.WorkspaceAgent.Terminals;

namespace Workspaces.WorkspaceAgent.Hosting;

/// <summary>The agent's composition root, shared by <c>Program</c> and the tests that host the agent in-process.</summary>
public static class AgentApplication
{
    /// <summary>Leaves time for the tasks' grace period after SIGTERM and still exits within a few seconds.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(8);

    /// <param name="startedAt">When the agent process started: the beginning of the StartingAgent phase.</param>
    /// <param name="configureServices">Replaces services after the defaults (tests: a fixed configuration, a fake clock).</param>
    public static WebApplication Create(AgentBootstrap bootstrap, DateTimeOffset startedAt, Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        var layout = new WorkspaceLayout(bootstrap.WorkspaceDirectory, bootstrap.CheckoutDirectoryName);
        RuntimeInfoWriter.DeleteStale(layout);

        // The empty builder and Kestrel's core: no configuration files, watchers or HTTPS setup. An idle agent per
        // workspace must stay small, and the agent takes all its settings from the bootstrap.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelCore().UseUrls(bootstrap.ListenUrl);
        builder.Services.AddRoutingCore();
        builder.Logging.AddAgentLogging(bootstrap.WorkspaceId);
        // The agent's settings come from the bootstrap only: telemetry as the web app hands it on.
        builder.Configuration.AddInMemoryCollection(bootstrap.Telemetry?.ToSettings() ?? []);
        builder.AddServiceDefaults(new ServiceIdentity("workspaces-agent", TraceRequestsWithoutParent: false) { InstanceId = bootstrap.WorkspaceId });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);

        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(bootstrap);
        services.AddSingleton(layout);
        services.AddStatus(startedAt);
        services.AddAgentSecret(bootstrap.AgentSecret);
        services.AddCloning();
        services.AddDotfiles();
        services.AddWorkspaceConfig();
        services.AddTasks();
        services.AddPrebuilds();
        services.AddTerminals();
        services.AddFiles();
        services.AddSourceControl();
        services.AddLanguages();
        services.AddPorts();
        // sshd and Unix file modes: the agent runs on Linux; a Windows build (none ships) would serve no SSH.
        if (!OperatingSystem.IsWindows())
        {
            services.AddSsh();
        }

        services.AddPreparation();
        configureServices?.Invoke(services);

        var app = builder.Build();
        app.UseAgentSecret();
        app.UseAgentHubs();
        app.MapDefaultEndpoints();
        app.MapStatusApi();
        app.MapTaskLogApi();
        app.MapDownloadApi();
        app.MapSourceControlApi();
        app.MapPortRelayApi();
        if (!OperatingSystem.IsWindows())
        {
            app.MapSshApi();
        }

        return app;
    }
}
