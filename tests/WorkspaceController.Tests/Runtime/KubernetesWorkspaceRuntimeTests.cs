using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;
using Workspaces.Shared.SourceControl;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Resources;
using Workspaces.WorkspaceController.Kubernetes.Runtime;
using Workspaces.WorkspaceController.Runtime;
using Workspaces.WorkspaceController.Tests.Controller;

namespace Workspaces.WorkspaceController.Tests.Runtime;

/// <summary>The web app's side: the runtime the web app uses with <c>Workspaces:Runtime:Kind=Kubernetes</c>, against the fake API server and the real controller.</summary>
public sealed class KubernetesWorkspaceRuntimeTests
{
    [Fact]
    public async Task Start_NewWorkspace_ReturnsTheRunningAgentOnceTheControllerSaysSo()
    {
        await using var h = await ControllerHarness.StartAsync();
        using var web = await StartWebAsync(h);
        var runtime = web.Services.GetRequiredService<IWorkspaceRuntime>();

        var observed = await runtime.StartAsync(Launch("web-start") with { Image = "registry.example/acme/toolchain:2", WorkspaceClass = "large" }, CancellationToken.None);

        Assert.Equal(RuntimeState.Running, observed.State);
        Assert.Equal(new Uri("http://ws-web-start.workspaces.svc.cluster.local:8700"), observed.AgentUrl);
        Assert.Equal(RuntimeState.Running, (await runtime.ObserveAsync("web-start", CancellationToken.None)).State);
        var ws = await h.GetAsync("web-start");
        Assert.Equal("user-7", ws!.Spec.Owner);
        Assert.Equal("user-7", ws.Metadata.Labels[KubernetesWorkspaceRuntime.OwnerLabel]);
        Assert.DoesNotContain("secret-web-start", ws.Spec.SealedCredentials, StringComparison.Ordinal);
        Assert.Null(ws.Spec.Env);
        // The project's toolchain image and class reach the Workspace resource.
        Assert.Equal("registry.example/acme/toolchain:2", ws.Spec.Image);
        Assert.Equal("large", ws.Spec.WorkspaceClass);
        var bootstrap = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String((string)h.Server.Get("/secrets", ControllerHarness.Namespace, "ws-web-start")!["data"]!["bootstrap.json"]!));
        Assert.Contains("\"A\":\"1\"", bootstrap, StringComparison.Ordinal);
        // The editor's limits from the web app's configuration reach the agent, in plain spec (they are no secret).
        Assert.Equal(2_000_000, ws.Spec.Editor!.HardLimitBytes);
        Assert.Contains("\"editor\":{\"softLimitBytes\":500000,\"hardLimitBytes\":2000000}", bootstrap, StringComparison.Ordinal);
        var port = await web.Services.GetRequiredService<IWorkspacePortAddresses>().GetPortUrlAsync("web-start", 3000, CancellationToken.None);
        Assert.Equal(new Uri("http://ws-web-start.workspaces.svc.cluster.local:3000/"), port);
    }

    [Fact]
    public async Task StopThenStart_Workspace_StopsThePodAndRunsANewOne()
    {
        await using var h = await ControllerHarness.StartAsync();
        using var web = await StartWebAsync(h);
        var runtime = web.Services.GetRequiredService<IWorkspaceRuntime>();
        await runtime.StartAsync(Launch("web-stop"), CancellationToken.None);

        await runtime.StopAsync("web-stop", CancellationToken.None);

        Assert.Equal(RuntimeState.Stopped, (await runtime.ObserveAsync("web-stop", CancellationToken.None)).State);
        Assert.Null(h.Pod("web-stop"));
        Assert.Null(await web.Services.GetRequiredService<IWorkspacePortAddresses>().GetPortUrlAsync("web-stop", 3000, CancellationToken.None));

        var again = await runtime.StartAsync(Launch("web-stop"), CancellationToken.None);
        Assert.Equal(RuntimeState.Running, again.State);
        Assert.NotNull(h.Pod("web-stop"));
    }

    [Fact]
    public async Task Delete_Workspace_IsAbsentWithItsVolumeGone()
    {
        await using var h = await ControllerHarness.StartAsync();
        using var web = await StartWebAsync(h);
        var runtime = web.Services.GetRequiredService<IWorkspaceRuntime>();
        await runtime.StartAsync(Launch("web-del"), CancellationToken.None);

        await runtime.DeleteAsync("web-del", CancellationToken.None);

        Assert.Equal(RuntimeState.Absent, (await runtime.ObserveAsync("web-del", CancellationToken.None)).State);
        Assert.Null(h.Server.Get("/persistentvolumeclaims", ControllerHarness.Namespace, "ws-web-del"));
        Assert.Empty(await runtime.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task PodCrash_RunningWorkspace_IsReportedToTheWebAppAtOnce()
    {
        await using var h = await ControllerHarness.StartAsync();
        using var web = await StartWebAsync(h);
        var runtime = web.Services.GetRequiredService<IWorkspaceRuntime>();
        await runtime.StartAsync(Launch("web-crash"), CancellationToken.None);
        var changed = new List<string>();
        web.Services.GetRequiredService<IWorkspaceRuntimeChanges>().Changed += id =>
        {
            lock (changed)
            {
                changed.Add(id);
            }
        };

        h.Server.Kubelet.Crash(ControllerHarness.Namespace, "ws-web-crash");

        await Poll.UntilAsync(async () => (await runtime.ObserveAsync("web-crash", CancellationToken.None)).State != RuntimeState.Running, TimeSpan.FromSeconds(10), "the crash to be observed");
        // The watch updates its cache before it raises the event, so the event may come a moment after the observation.
        await Poll.UntilAsync(
            () =>
            {
                lock (changed)
                {
                    return changed.Contains("web-crash");
                }
            },
            TimeSpan.FromSeconds(5),
            "the change event for the crashed workspace");
    }

    [Fact]
    public async Task Start_ControllerWithAnotherKey_FailsWithTheControllersMessage()
    {
        await using var h = await ControllerHarness.StartAsync();
        using var web = await StartWebAsync(h, credentialKey: SealedCredentials.NewKey());
        var runtime = web.Services.GetRequiredService<IWorkspaceRuntime>();

        var e = await Assert.ThrowsAsync<WorkspaceRuntimeException>(() => runtime.StartAsync(Launch("web-key"), CancellationToken.None));

        Assert.Contains("credential key", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_FourPemSizedSecretFiles_FitAndReachTheAgent()
    {
        await using var h = await ControllerHarness.StartAsync();
        using var web = await StartWebAsync(h);
        var runtime = web.Services.GetRequiredService<IWorkspaceRuntime>();
        var pem = "-----BEGIN PRIVATE KEY-----\n" + new string('A', 3900) + "\n-----END PRIVATE KEY-----\n";
        var files = Enumerable.Range(1, 4).Select(i => new WorkspaceFile($"KEY_{i}", pem)).ToList();

        var observed = await runtime.StartAsync(Launch("web-pem") with { Files = files }, CancellationToken.None);

        Assert.Equal(RuntimeState.Running, observed.State);
        var bootstrap = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String((string)h.Server.Get("/secrets", ControllerHarness.Namespace, "ws-web-pem")!["data"]!["bootstrap.json"]!));
        Assert.Contains("KEY_4", bootstrap, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SecretFilesLargerThanAWorkspaceHolds_FailsWithWhatToDo()
    {
        await using var h = await ControllerHarness.StartAsync();
        using var web = await StartWebAsync(h);
        var runtime = web.Services.GetRequiredService<IWorkspaceRuntime>();
        var files = Enumerable.Range(1, 80).Select(i => new WorkspaceFile($"KEY_{i}", new string('k', 3999))).ToList();

        var e = await Assert.ThrowsAsync<WorkspaceRuntimeException>(() => runtime.StartAsync(Launch("web-huge") with { Files = files }, CancellationToken.None));

        Assert.Contains("too large", e.Message, StringComparison.Ordinal);
        Assert.Contains("Remove variables or secret files", e.Message, StringComparison.Ordinal);
        Assert.Null(await h.GetAsync("web-huge"));
    }

    [Fact]
    public void Options_Invalid_NameTheKeys()
    {
        var result = new KubernetesRuntimeOptionsValidator().Validate(null, new KubernetesRuntimeOptions { Namespace = "Bad_NS", CredentialKey = "short", StartTimeout = TimeSpan.FromSeconds(1) });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Workspaces:Runtime:Kubernetes:Namespace", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Workspaces:Runtime:Kubernetes:CredentialKey", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Workspaces:Runtime:Kubernetes:StartTimeout", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("Local", false)]
    [InlineData("kubernetes", true)]
    public void RuntimeKind_Configured_PicksTheRuntime(string? kind, bool kubernetes)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [KubernetesRuntimeExtensions.KindKey] = kind }).Build();

        Assert.Equal(kubernetes, KubernetesRuntimeExtensions.IsKubernetes(configuration));
    }

    [Fact]
    public async Task Report_RunningWorkspace_PortsAndGitStateShowInTheStatusAndSurviveTheControllersWrites()
    {
        await using var h = await ControllerHarness.StartAsync();
        using var web = await StartWebAsync(h);
        var runtime = web.Services.GetRequiredService<IWorkspaceRuntime>();
        await runtime.StartAsync(Launch("web-report"), CancellationToken.None);
        var reports = web.Services.GetRequiredService<IAgentReports>();
        WorkspacePort[] ports =
        [
            new(5173, "vite", PortOnOpen.Notify, PortVisibility.Private, Listening: true, ["0.0.0.0"]),
            new(3000, null, PortOnOpen.Notify, PortVisibility.Private, Listening: true, ["127.0.0.1"]),
            new(8080, "api", PortOnOpen.Notify, PortVisibility.Private, Listening: false, []),
        ];

        await reports.ReportAsync("web-report", ports, new GitSummary("feature", 2, 0, DateTimeOffset.UnixEpoch), CancellationToken.None);

        var reported = await h.GetAsync("web-report");
        Assert.Equal([(3000, null), (5173, "vite")], reported!.Status!.Ports!.Select(p => (p.Port, p.Name)));
        Assert.Equal("feature", reported.Status.Git!.Branch);
        Assert.True(reported.Status.Git.Dirty);
        Assert.Equal(WorkspaceStatusPhase.Running, reported.Status.Phase);

        // The controller replaces the status it owns (here: the pod crashed and was replaced) and keeps the agent's part.
        h.Server.Kubelet.Crash(ControllerHarness.Namespace, "ws-web-report");
        await Poll.UntilAsync(async () => (await h.GetAsync("web-report"))?.Status?.LastPodFailureAt is not null, TimeSpan.FromSeconds(10), "the controller to record the crash");
        var afterCrash = await h.GetAsync("web-report");
        Assert.Equal([3000, 5173], afterCrash!.Status!.Ports!.Select(p => p.Port));
        Assert.Equal("feature", afterCrash.Status.Git!.Branch);

        await runtime.StopAsync("web-report", CancellationToken.None);

        var stopped = await h.GetAsync("web-report");
        Assert.Equal(WorkspaceStatusPhase.Stopped, stopped!.Status!.Phase);
        Assert.Null(stopped.Status.Ports);
        Assert.Equal("feature", stopped.Status.Git!.Branch);
    }

    [Fact]
    public void RuntimeKind_Unknown_FailsNamingTheKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [KubernetesRuntimeExtensions.KindKey] = "Docker" }).Build();

        var e = Assert.Throws<OptionsValidationException>(() => KubernetesRuntimeExtensions.IsKubernetes(configuration));
        Assert.Contains("Workspaces:Runtime:Kind", e.Message, StringComparison.Ordinal);
    }

    private static WorkspaceLaunch Launch(string id) =>
        new(id, "https://git.example/team/app.git", "main", "app", "secret-" + id, new GitCredential("u", "token-" + id), new Dictionary<string, string> { ["A"] = "1" }, Editor: new EditorLimits(500_000, 2_000_000)) { OwnerId = "user-7" };

    private static async Task<IHost> StartWebAsync(ControllerHarness h, string? credentialKey = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Workspaces:Runtime:Kind"] = "Kubernetes",
            ["Workspaces:Runtime:Kubernetes:Namespace"] = ControllerHarness.Namespace,
            ["Workspaces:Runtime:Kubernetes:CredentialKey"] = credentialKey ?? ControllerHarness.CredentialKey,
            ["Workspaces:Runtime:Kubernetes:StartTimeout"] = "00:00:30",
            ["Workspaces:Runtime:Kubernetes:StopTimeout"] = "00:00:10",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(h.Server.CreateClient(ControllerHarness.WebToken));
        builder.Services.AddKubernetesWorkspaceRuntime(builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
