using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Workspaces.ServiceDefaults.Resilience;
using Workspaces.Shared.Reconciliation;
using Workspaces.Web.Agents;
using Workspaces.Web.Audit;
using Workspaces.Web.Authorization;
using Workspaces.Web.Editor;
using Workspaces.Web.Repositories;
using Workspaces.Web.SourceControl;
using Workspaces.Web.Variables;
using Workspaces.Web.Hosting;
using Workspaces.WorkspaceController.Kubernetes.Runtime;
using Workspaces.WorkspaceController.Local;
using Workspaces.WorkspaceController.Local.ClusterAccess;
using Workspaces.WorkspaceController.Local.Sandbox;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.Web.Workspaces;

public static class WorkspacesExtensions
{
    public static WebApplicationBuilder AddWorkspaces(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<WorkspacesOptions, WorkspacesOptionsValidator>(builder.Configuration, WorkspacesOptions.SectionName);
        // What workspaces are made of: who may use them, the audit log, their variables, their repository, their Git
        // summary and what their agent is started with.
        services.AddAccessPolicy().AddAudit().AddVariableProtection().AddRepositoryGuard(builder.Configuration).AddSourceControl().AddEditorOptions(builder.Configuration);
        services.AddSingleton<AgentSecrets>();
        services.AddSingleton<AgentAccess>();
        services.AddSingleton(sp => new WorkQueue(sp.GetRequiredService<TimeProvider>(), Backoff.Default));
        services.AddSingleton<WorkspaceStatusFeed>();
        services.AddSingleton<WorkspaceService>();
        services.AddSingleton<IsolationGate>();
        services.AddSingleton<WorkspaceActivity>();
        services.AddSingleton<WorkspaceLogs>();
        services.AddSingleton<WorkspaceLauncher>();
        services.AddSingleton<WorkspaceTelemetry>();
        services.AddSingleton<AgentWatches>();
        // The pages' clients: the dashboard's shows projects (AddProjects), the workspace page's its owner (AddSharing).
        services.AddSingleton<IDashboardClient, DashboardClient>();
        services.AddSingleton<IWorkspacePageClient, WorkspacePageClient>();
        services.AddSingleton<ReconcilerLeadership>();
        services.AddSingleton<WorkspaceReconciler>();
        var previewProxy = HostingRole.IsPreviewProxy(builder.Configuration);
        if (!previewProxy)
        {
            services.AddHostedService(sp => sp.GetRequiredService<ReconcilerLeadership>());
            services.AddHostedService(sp => sp.GetRequiredService<WorkspaceReconciler>());
        }

        services.AddHttpClient<AgentClient>(AgentClient.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                UseProxy = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(5),
                ConnectCallback = sp.GetRequiredService<IAgentConnections>().ConnectCallback(),
            })
            // GETs are retried on a transient failure, nothing else (a certificate request is a POST); the status long poll holds an attempt for up to
            // AgentWatches' 25 s, so an attempt may take 40 s. An agent that stopped answering opens the circuit of its
            // own host (URL) only, not of every agent.
            .AddStandardResilience(resilience =>
            {
                resilience.AttemptTimeout.Timeout = TimeSpan.FromSeconds(40);
                resilience.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(90);
                resilience.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(80);
                resilience.Retry.MaxRetryAttempts = 2;
                resilience.Retry.DisableForUnsafeHttpMethods();
            })
            .SelectPipelineByAuthority();
        services.AddSingleton(sp => sp.GetRequiredService<IHttpClientFactory>().CreateClient(AgentClient.HttpClientName));

        // Workspaces:Runtime:Kind picks where agents run: Local (child processes, the default) or Kubernetes (pods).
        if (KubernetesRuntimeExtensions.IsKubernetes(builder.Configuration))
        {
            services.AddKubernetesWorkspaceRuntime(builder.Configuration);
            services.AddSingleton<IAgentConnections, TcpAgentConnections>();
            if (!previewProxy)
            {
                services.AddHostedService<RuntimeChangesForwarder>();
            }

            return builder;
        }

        services.AddOptions<LocalRuntimeOptions>()
            .Bind(builder.Configuration.GetSection(LocalRuntimeOptions.SectionName))
            .Configure<IOptions<DataDirectoryOptions>>((local, workspaces) =>
            {
                if (string.IsNullOrWhiteSpace(local.WorkspacesDirectory))
                {
                    local.WorkspacesDirectory = Path.Combine(workspaces.Value.DataDirectory, "workspaces");
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<LocalRuntimeOptions>, LocalRuntimeOptionsValidator>();
        services.AddOptions<SandboxOptions>().Bind(builder.Configuration.GetSection(SandboxOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SandboxOptions>, SandboxOptionsValidator>();
        services.AddSingleton<WorkspaceSandbox>();
        services.AddHostedService<SandboxProbeService>();
        services.AddSingleton<IAgentConnections, LocalAgentConnections>();
        services.AddLocalClusterAccess(builder.Configuration, renew: !previewProxy);
        if (!previewProxy)
        {
            services.AddHostedService<RuntimeEventsRecorder>();
        }

        services.AddSingleton<IWorkspaceRuntime, LocalProcessRuntime>();
        services.AddSingleton<IWorkspacePortAddresses, LocalPortAddresses>();
        return builder;
    }
}
