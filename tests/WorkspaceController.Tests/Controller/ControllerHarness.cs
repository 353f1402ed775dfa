using System.Text.Json.Nodes;
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Controller;
using Workspaces.WorkspaceController.Kubernetes.Resources;
using Workspaces.FakeKubernetes;

namespace Workspaces.WorkspaceController.Tests.Controller;

/// <summary>A fake API server plus real controller hosts (the same composition as the controller's Program) talking to it over HTTP.</summary>
public sealed class ControllerHarness : IAsyncDisposable
{
    public const string Namespace = "workspaces";
    public static readonly string CredentialKey = SealedCredentials.NewKey();
    private readonly List<IHost> _hosts = [];

    /// <summary>The chart's prebuilds with VolumeSnapshots: the controller reconciles WorkspaceSnapshots as the chart configures it.</summary>
    private readonly bool _snapshots;

    private ControllerHarness(FakeKubeApiServer server, bool snapshots)
    {
        Server = server;
        Client = server.CreateClient();
        _snapshots = snapshots;
    }

    public FakeKubeApiServer Server { get; }

    /// <summary>The test's own client (what the web app or a user with kubectl does).</summary>
    public IKubernetes Client { get; }

    /// <summary>The service accounts the chart renders (release "rel" in <see cref="Namespace"/>), as bearer tokens for the fake's RBAC.</summary>
    public static readonly string ControllerToken = FakeRbac.ServiceAccountToken(Namespace, "rel-workspaces-controller");

    public static readonly string WebToken = FakeRbac.ServiceAccountToken(Namespace, "rel-workspaces-web");

    /// <summary>The chart's Roles and bindings, rendered once with the real helm binary.</summary>
    private static readonly Lazy<List<JsonObject>> ChartManifests = new(() => Helm.HelmChart.Template());

    /// <summary>The chart with cluster access on: the controller's extra ClusterRoles and the ceiling.</summary>
    public static readonly Lazy<List<JsonObject>> ClusterAccessChartManifests = new(() => Helm.HelmChart.Template(
        "--set", "clusterAccess.enabled=true", "--set", "clusterAccess.apiServerCidrs[0]=172.18.0.2/32"));

    /// <summary>The chart with prebuilds kept as VolumeSnapshots: the web app's extra rule.</summary>
    public static readonly Lazy<List<JsonObject>> PrebuildsChartManifests = new(() => Helm.HelmChart.Template(
        "--set", "prebuilds.storage=volumeSnapshot", "--set", "prebuilds.volumeSnapshotClass=csi-hostpath-snapclass"));

    public static async Task<ControllerHarness> StartAsync(bool startController = true, bool validateWorkspaces = true, bool clusterAccessChart = false, bool prebuildsChart = false)
    {
        var harness = new ControllerHarness(await FakeKubeApiServer.StartAsync(validateWorkspaces), prebuildsChart);
        var chart = clusterAccessChart ? ClusterAccessChartManifests.Value : prebuildsChart ? PrebuildsChartManifests.Value : ChartManifests.Value;
        harness.Server.Rbac = FakeRbac.FromManifests(chart, Namespace);
        if (startController)
        {
            await harness.StartControllerAsync();
        }

        return harness;
    }

    public static Dictionary<string, string?> Settings(string? identity = null) => new()
    {
        ["Workspaces:Controller:Namespace"] = Namespace,
        ["Workspaces:Controller:AgentImage"] = "registry.example/workspaces-agent:test",
        ["Workspaces:Controller:DefaultWorkspaceImage"] = "registry.example/workspace-default:test",
        ["Workspaces:Controller:CredentialKey"] = CredentialKey,
        ["Workspaces:Controller:BaseBackoff"] = "00:00:00.100",
        ["Workspaces:Controller:MaxBackoff"] = "00:00:01",
        ["Workspaces:Controller:LeaderElection:Identity"] = identity,
        ["Workspaces:Controller:LeaderElection:LeaseName"] = "rel-workspaces-controller",
        ["Workspaces:Controller:LeaderElection:LeaseDuration"] = "00:00:03",
        ["Workspaces:Controller:LeaderElection:RenewDeadline"] = "00:00:02.500",
        ["Workspaces:Controller:LeaderElection:RetryPeriod"] = "00:00:00.200",
        ["Workspaces:Controller:CrashLoopLimit"] = "3",
        ["Workspaces:Controller:CrashLoopWindow"] = "00:05:00",
        ["Workspaces:Controller:ResyncPeriod"] = "00:00:01",
    };

    public async Task<IHost> StartControllerAsync(string? identity = null, TimeProvider? timeProvider = null, IDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Settings(identity ?? $"controller-{_hosts.Count}"));
        if (_snapshots)
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Workspaces:Controller:Snapshots:Enabled"] = "true" });
        }

        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(Server.CreateClient(ControllerToken));
        if (timeProvider is not null)
        {
            builder.Services.AddSingleton(timeProvider);
        }

        builder.Services.AddWorkspaceController(builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        _hosts.Add(host);
        return host;
    }

    public static WorkspaceControllerService Controller(IHost host) => host.Services.GetRequiredService<WorkspaceControllerService>();

    public async Task StopControllerAsync(IHost host)
    {
        _hosts.Remove(host);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await host.StopAsync(cts.Token);
        host.Dispose();
    }

    public static WorkspaceResource NewWorkspace(string name, string desired = DesiredState.Running, bool keepVolume = false)
    {
        var workspace = new WorkspaceResource
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = name, NamespaceProperty = Namespace },
            Spec = new WorkspaceSpec
            {
                Owner = "user-1",
                Repository = new WorkspaceRepository { Url = "https://git.example/team/app.git", Ref = "main", CheckoutDirectory = "app" },
                DesiredState = desired,
                Retention = keepVolume ? new WorkspaceRetention { KeepVolumeOnDelete = true } : null,
            },
        };
        workspace.Spec.SealedCredentials = new SealedCredentials(CredentialKey).Seal(Namespace, name, new WorkspaceCredentials("agent-secret-" + name, "git-user", "git-token"));
        return workspace;
    }

    public async Task<WorkspaceResource> CreateAsync(WorkspaceResource workspace) =>
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync<WorkspaceResource>(workspace, WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, Namespace, WorkspaceResource.Plural);

    public async Task<WorkspaceResource?> GetAsync(string name)
    {
        try
        {
            return await Client.CustomObjects.GetNamespacedCustomObjectAsync<WorkspaceResource>(WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, Namespace, WorkspaceResource.Plural, name);
        }
        catch (k8s.Autorest.HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            return null;
        }
    }

    /// <summary>Changes the spec as the web app does: read, modify, replace, again on a 409.</summary>
    public async Task UpdateSpecAsync(string name, Action<WorkspaceSpec> change)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = (await GetAsync(name))!;
            change(current.Spec);
            try
            {
                await Client.CustomObjects.ReplaceNamespacedCustomObjectAsync<WorkspaceResource>(current, WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, Namespace, WorkspaceResource.Plural, name);
                return;
            }
            catch (k8s.Autorest.HttpOperationException e) when (KubernetesErrors.IsConflict(e) && attempt < 10)
            {
            }
        }
    }

    public async Task DeleteAsync(string name) =>
        await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, Namespace, WorkspaceResource.Plural, name);

    public async Task<WorkspaceResource> WaitForPhaseAsync(string name, string phase, TimeSpan? timeout = null, Func<WorkspaceResource, bool>? and = null)
    {
        WorkspaceResource? last = null;
        try
        {
            return await Poll.UntilNotNullAsync(
                async () =>
                {
                    last = await GetAsync(name);
                    return last?.Status?.Phase == phase && last.Status.ObservedGeneration == last.Metadata.Generation && (and?.Invoke(last) ?? true) ? last : null;
                },
                timeout ?? TimeSpan.FromSeconds(20),
                $"workspace {name} in phase {phase}");
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"workspace {name} never reached {phase}; last status: {KubernetesJson.Serialize(last?.Status)}");
        }
    }

    public JsonObject? Pod(string name) => Server.Get("/pods", Namespace, ControllerOptions.ChildName(name));

    public List<string> EventReasons(string name) =>
        [.. Server.List("/events", Namespace).Where(e => (string?)e["involvedObject"]?["name"] == name).Select(e => (string)e["reason"]!)];

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts.ToList())
        {
            await StopControllerAsync(host);
        }

        await Server.DisposeAsync();
        Client.Dispose();
    }
}
