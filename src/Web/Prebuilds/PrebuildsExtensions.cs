using Microsoft.Extensions.Options;
using Workspaces.Web.Hosting;
using Workspaces.Web.Prebuilds.Webhooks;
using Workspaces.WorkspaceController.Kubernetes.Prebuilds;
using Workspaces.WorkspaceController.Kubernetes.Runtime;
using Workspaces.WorkspaceController.Prebuilds;

namespace Workspaces.Web.Prebuilds;

public static class PrebuildsExtensions
{
    /// <summary>Prebuilds: settings, triggers (webhooks, "Run prebuild now"), the runner, snapshots and retention.</summary>
    public static WebApplicationBuilder AddPrebuilds(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PrebuildOptions>().Bind(builder.Configuration.GetSection(PrebuildOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PrebuildOptions>, PrebuildOptionsValidator>();
        services.AddSingleton<PrebuildLogs>();
        services.AddSingleton<PrebuildLogFeed>();
        services.AddSingleton<IProjectPrebuildsClient, ProjectPrebuildsClient>();
        services.AddSingleton<PrebuildQueue>();
        services.AddSingleton<PrebuildTriggers>();
        services.AddSingleton<PrebuildService>();
        services.AddSingleton<PrebuildEnvironment>();
        services.AddSingleton<PrebuildStarts>();
        services.AddSingleton<WebhookReceiver>();
        services.AddSingleton<PrebuildStorage>();

        // The web app that runs workspaces runs prebuilds, where it has snapshots: the local runtime's, or on Kubernetes
        // the storage configured there (the runtime registers it).
        if (HostingRole.IsPreviewProxy(builder.Configuration) || OperatingSystem.IsWindows())
        {
            return builder;
        }

        if (KubernetesRuntimeExtensions.IsKubernetes(builder.Configuration))
        {
            if (KubernetesPrebuildsExtensions.HasSnapshotStorage(builder.Configuration))
            {
                AddRunner(services);
            }

            return builder;
        }

        AddLocalSnapshots(builder);
        return builder;
    }

    public static IEndpointRouteBuilder MapPrebuilds(this IEndpointRouteBuilder app) => app.MapPrebuildsApi();

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void AddLocalSnapshots(WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<LocalSnapshotOptions>()
            .Bind(builder.Configuration.GetSection(LocalSnapshotOptions.SectionName))
            .Configure<IOptions<DataDirectoryOptions>>((storage, workspaces) =>
            {
                if (string.IsNullOrWhiteSpace(storage.Directory))
                {
                    storage.Directory = Path.Combine(workspaces.Value.DataDirectory, "prebuilds");
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<LocalSnapshotOptions>, LocalSnapshotOptionsValidator>();
        services.AddSingleton<LocalPrebuildSnapshots>();
        services.AddSingleton<IPrebuildSnapshots>(sp => sp.GetRequiredService<LocalPrebuildSnapshots>());
        services.AddHostedService(sp => sp.GetRequiredService<LocalPrebuildSnapshots>());
        AddRunner(services);
    }

    private static void AddRunner(IServiceCollection services)
    {
        services.AddSingleton<PrebuildRunner>();
        services.AddSingleton<PrebuildRetention>();
        services.AddHostedService<PrebuildWorker>();
        services.AddSingleton<IBranchHeads, GitBranchHeads>();
        services.AddHostedService<PrebuildSchedule>();
    }
}
