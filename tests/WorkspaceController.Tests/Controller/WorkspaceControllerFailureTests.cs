using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceController.Kubernetes;

namespace Workspaces.WorkspaceController.Tests.Controller;

/// <summary>What a real cluster does to a workspace that the happy path never sees: blips, crash loops, lost children, conflicts.</summary>
public sealed class WorkspaceControllerFailureTests
{
    private const string Ns = ControllerHarness.Namespace;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ReadinessBlip_RunningLongerThanTheStartTimeout_StaysRunningOnTheSamePod()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await h.StartControllerAsync(timeProvider: time);
        var workspace = ControllerHarness.NewWorkspace("app-blip");
        workspace.Spec.Timeouts = new WorkspaceTimeouts { StartSeconds = 30 };
        await h.CreateAsync(workspace);
        await h.WaitForPhaseAsync("app-blip", WorkspaceStatusPhase.Running);
        var uid = (string?)h.Pod("app-blip")!["metadata"]!["uid"];
        time.Advance(TimeSpan.FromMinutes(10));

        h.Server.Kubelet.SetReady(Ns, "ws-app-blip", ready: false);

        var blip = await h.WaitForPhaseAsync("app-blip", WorkspaceStatusPhase.Running, and: w => w.Status!.Message?.Contains("readiness", StringComparison.Ordinal) == true);
        Assert.NotNull(blip.Status!.AgentUrl);
        time.Advance(TimeSpan.FromMinutes(1));
        h.Server.Kubelet.SetReady(Ns, "ws-app-blip", ready: true);
        await h.WaitForPhaseAsync("app-blip", WorkspaceStatusPhase.Running, and: w => w.Status!.Message is null);
        Assert.Equal(uid, (string?)h.Pod("app-blip")!["metadata"]!["uid"]);
        Assert.DoesNotContain("StartTimeout", h.EventReasons("app-blip"));
    }

    [Fact]
    public async Task CrashLoop_PodEndsThreeTimesInTheWindow_FailsWithNoPodAndSaysWhy()
    {
        await using var h = await ControllerHarness.StartAsync();
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-loop"));

        for (var crash = 1; crash <= 3; crash++)
        {
            await h.WaitForPhaseAsync("app-loop", WorkspaceStatusPhase.Running, and: w => (w.Status!.Restarts ?? 0) == crash - 1);
            h.Server.Kubelet.Crash(Ns, "ws-app-loop", exitCode: 1, reason: "Error");
        }

        var failed = await h.WaitForPhaseAsync("app-loop", WorkspaceStatusPhase.Failed);
        Assert.Contains("3 times", failed.Status!.Message, StringComparison.Ordinal);
        Assert.Contains("exit code 1", failed.Status.Message, StringComparison.Ordinal);
        await Poll.UntilAsync(() => h.Pod("app-loop") is null, Timeout, "the crash-looping pod to be deleted");
        Assert.Contains("CrashLoop", h.EventReasons("app-loop"));
    }

    [Fact]
    public async Task NetworkPolicyDeleted_RunningWorkspace_IsRecreated()
    {
        await using var h = await ControllerHarness.StartAsync();
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-np"));
        await h.WaitForPhaseAsync("app-np", WorkspaceStatusPhase.Running);
        var before = (string?)h.Server.Get("networking.k8s.io/networkpolicies", Ns, "ws-app-np")!["metadata"]!["uid"];

        await h.Client.NetworkingV1.DeleteNamespacedNetworkPolicyAsync("ws-app-np", Ns);
        await h.Client.CoreV1.DeleteNamespacedSecretAsync("ws-app-np", Ns);

        await Poll.UntilAsync(() => h.Server.Get("networking.k8s.io/networkpolicies", Ns, "ws-app-np") is { } np && (string?)np["metadata"]!["uid"] != before, Timeout, "the policy to be recreated");
        await Poll.UntilAsync(() => h.Server.Get("/secrets", Ns, "ws-app-np") is not null, Timeout, "the secret to be recreated on resync");
    }

    [Fact]
    public async Task AlreadyExists_ServiceNotOwnedByTheWorkspace_FailsWithTheNameAndStartsNoPod()
    {
        await using var h = await ControllerHarness.StartAsync();
        await h.Client.CoreV1.CreateNamespacedServiceAsync(
            new V1Service
            {
                Metadata = new V1ObjectMeta { Name = "ws-app-squat", NamespaceProperty = Ns },
                Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 80 }], Selector = new Dictionary<string, string> { ["app"] = "someone-else" } },
            },
            Ns);

        await h.CreateAsync(ControllerHarness.NewWorkspace("app-squat"));

        var failed = await h.WaitForPhaseAsync("app-squat", WorkspaceStatusPhase.Failed);
        Assert.Contains("ws-app-squat", failed.Status!.Message, StringComparison.Ordinal);
        Assert.Contains("does not belong", failed.Status.Message, StringComparison.Ordinal);
        Assert.Null(h.Pod("app-squat"));
    }

    [Fact]
    public async Task PodCrash_StatusWriteConflictsOnce_TheRestartIsStillCounted()
    {
        await using var h = await ControllerHarness.StartAsync();
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-409"));
        await h.WaitForPhaseAsync("app-409", WorkspaceStatusPhase.Running);
        var conflicts = 0;
        h.Server.FailRequest = r => r.Method == "PUT" && r.Path.Value!.EndsWith("/app-409/status", StringComparison.Ordinal) && Interlocked.Increment(ref conflicts) == 1 ? 409 : null;

        h.Server.Kubelet.Crash(Ns, "ws-app-409");
        await h.WaitForPhaseAsync("app-409", WorkspaceStatusPhase.Running, and: w => w.Status!.Restarts == 1);
        h.Server.Kubelet.Crash(Ns, "ws-app-409");

        await h.WaitForPhaseAsync("app-409", WorkspaceStatusPhase.Running, and: w => w.Status!.Restarts == 2);
        Assert.True(conflicts >= 1);
    }

    [Fact]
    public async Task SpecChange_RunningWorkspace_KeepsThePodAndSaysARestartIsPending()
    {
        await using var h = await ControllerHarness.StartAsync();
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-spec"));
        await h.WaitForPhaseAsync("app-spec", WorkspaceStatusPhase.Running);
        var uid = (string?)h.Pod("app-spec")!["metadata"]!["uid"];

        await h.UpdateSpecAsync("app-spec", s => s.Image = "registry.example/other-toolchain:2");

        await Poll.UntilAsync(() => (bool?)RawStatus(h, "app-spec")?["restartPending"] == true, Timeout, "status.restartPending");
        Assert.Contains("restart", (string?)RawStatus(h, "app-spec")!["message"], StringComparison.Ordinal);
        Assert.Equal(uid, (string?)h.Pod("app-spec")!["metadata"]!["uid"]);

        // A stop and start picks the change up.
        await h.UpdateSpecAsync("app-spec", s => s.DesiredState = DesiredState.Stopped);
        await h.WaitForPhaseAsync("app-spec", WorkspaceStatusPhase.Stopped);
        await h.UpdateSpecAsync("app-spec", s => s.DesiredState = DesiredState.Running);
        await h.WaitForPhaseAsync("app-spec", WorkspaceStatusPhase.Running);
        Assert.Equal("registry.example/other-toolchain:2", (string?)h.Pod("app-spec")!["spec"]!["containers"]![0]!["image"]);
        Assert.NotEqual(true, (bool?)RawStatus(h, "app-spec")!["restartPending"]);
    }

    [Fact]
    public async Task SpecChange_PodStillStarting_ReplacesThePod()
    {
        await using var h = await ControllerHarness.StartAsync();
        h.Server.Kubelet.AutoStart = false;
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-early"));
        await h.WaitForPhaseAsync("app-early", WorkspaceStatusPhase.Starting, and: w => w.Status!.StartStep == "Scheduling");
        var uid = (string?)h.Pod("app-early")!["metadata"]!["uid"];

        h.Server.Kubelet.AutoStart = true;
        await h.UpdateSpecAsync("app-early", s => s.Image = "registry.example/other-toolchain:2");

        await h.WaitForPhaseAsync("app-early", WorkspaceStatusPhase.Running);
        Assert.NotEqual(uid, (string?)h.Pod("app-early")!["metadata"]!["uid"]);
        Assert.Equal("registry.example/other-toolchain:2", (string?)h.Pod("app-early")!["spec"]!["containers"]![0]!["image"]);
    }

    [Fact]
    public async Task LeaseForbidden_Controller_LogsItAndHealthSaysSo()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false);
        h.Server.FailRequest = r => r.Path.Value!.Contains("/leases", StringComparison.Ordinal) ? 403 : null;

        var host = await h.StartControllerAsync();
        var health = host.Services.GetRequiredService<HealthCheckService>();

        var report = await Poll.UntilNotNullAsync(
            async () => await health.CheckHealthAsync() is { Status: HealthStatus.Unhealthy } r ? r : null,
            Timeout,
            "the health check to report the lease error");
        Assert.Contains("Forbidden", string.Join(" ", report.Entries.Values.Select(e => e.Description)), StringComparison.Ordinal);
        Assert.False(ControllerHarness.Controller(host).IsLeading);

        h.Server.FailRequest = null;
        await Poll.UntilAsync(async () => ControllerHarness.Controller(host).IsLeading && (await health.CheckHealthAsync()).Status == HealthStatus.Healthy, Timeout, "the lease and a healthy report");
    }

    [Fact]
    public async Task Delete_RunningWorkspace_StopsThePodGracefullyAndRemovesThePolicyLast()
    {
        await using var h = await ControllerHarness.StartAsync();
        h.Server.Kubelet.TerminationDelay = TimeSpan.FromMilliseconds(700);
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-order"));
        await h.WaitForPhaseAsync("app-order", WorkspaceStatusPhase.Running);
        var deletes = new ConcurrentQueue<(string Path, string Query, bool PodExists)>();
        h.Server.BeforeRequest = r =>
        {
            if (r.Method == "DELETE")
            {
                deletes.Enqueue((r.Path.Value!, r.QueryString.Value ?? "", h.Pod("app-order") is not null));
            }

            return Task.CompletedTask;
        };

        await h.DeleteAsync("app-order");

        await Poll.UntilAsync(async () => await h.GetAsync("app-order") is null, Timeout, "the Workspace to be gone");
        var ours = deletes.Where(d => d.Path.EndsWith("/ws-app-order", StringComparison.Ordinal)).ToList();
        var pod = ours.First(d => d.Path.Contains("/pods/", StringComparison.Ordinal));
        Assert.DoesNotContain("gracePeriodSeconds=0", pod.Query, StringComparison.Ordinal);
        Assert.Contains("/networkpolicies/", ours[^1].Path, StringComparison.Ordinal);
        Assert.False(ours[^1].PodExists, "the policy was removed while the pod still ran");
    }

    private static JsonNode? RawStatus(ControllerHarness h, string name) => h.Server.Get("workspaces.dev/workspaces", Ns, name)?["status"];
}
