using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Workspaces.FakeKubernetes;
using Workspaces.WorkspaceController.Kubernetes;

namespace Workspaces.Web.Tests.Infrastructure;

/// <summary>The workspace controller in-process against the fake API server, as the chart runs it beside the web app.</summary>
internal static class ControllerHost
{
    /// <param name="clusterAccess">Whether cluster access is enabled (an API server CIDR and a CA file of its own).</param>
    public static async Task<IHost> StartAsync(FakeKubeApiServer cluster, string controllerNamespace, string key, bool clusterAccess = false)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Workspaces:Controller:Namespace"] = controllerNamespace,
            ["Workspaces:Controller:AgentImage"] = "registry.example/agent:test",
            ["Workspaces:Controller:DefaultWorkspaceImage"] = "registry.example/workspace:test",
            ["Workspaces:Controller:CredentialKey"] = key,
            ["Workspaces:Controller:LeaderElection:Enabled"] = "false",
        };
        if (clusterAccess)
        {
            var ca = Path.Combine(Path.GetTempPath(), $"workspaces-web-test-ca-{Guid.NewGuid():N}.crt");
            await File.WriteAllTextAsync(ca, "fake CA");
            settings["Workspaces:Controller:ClusterAccess:Enabled"] = "true";
            settings["Workspaces:Controller:ClusterAccess:ApiServerCidrs:0"] = "172.18.0.2/32";
            settings["Workspaces:Controller:ClusterAccess:CaFile"] = ca;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(cluster.CreateClient());
        builder.Services.AddWorkspaceController(builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
