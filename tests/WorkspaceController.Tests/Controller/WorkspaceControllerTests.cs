using System.Text.Json.Nodes;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Resources;

namespace Workspaces.WorkspaceController.Tests.Controller;

public sealed class WorkspaceControllerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Create_RunningWorkspace_GetsVolumeSecretServicePolicyAndAReadyPod()
    {
        await using var h = await ControllerHarness.StartAsync();
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-one"));

        var ws = await h.WaitForPhaseAsync("app-one", WorkspaceStatusPhase.Running);

        Assert.Equal("http://ws-app-one.workspaces.svc.cluster.local:8700", ws.Status!.AgentUrl);
        Assert.StartsWith("10.42.0.", ws.Status.PodIP);
        Assert.Contains(WorkspaceResourceBuilder.Finalizer, ws.Metadata.Finalizers);
        Assert.Equal("True", ws.Status.Conditions!.Single(c => c.Type == "Ready").Status);
        Assert.NotNull(ws.Status.Timings?.ReadyAt);
        foreach (var resource in new[] { "/persistentvolumeclaims", "/secrets", "/services", "networking.k8s.io/networkpolicies", "/pods" })
        {
            Assert.NotNull(h.Server.Get(resource, ControllerHarness.Namespace, "ws-app-one"));
        }

        var bootstrap = JsonNode.Parse(Convert.FromBase64String((string)h.Server.Get("/secrets", ControllerHarness.Namespace, "ws-app-one")!["data"]!["bootstrap.json"]!))!;
        Assert.Equal("agent-secret-app-one", (string?)bootstrap["agentSecret"]);
        Assert.Equal("git-token", (string?)bootstrap["gitCredential"]!["password"]);
        Assert.Contains("Starting", h.EventReasons("app-one"));
        Assert.Contains("Running", h.EventReasons("app-one"));
    }

    [Fact]
    public async Task Stop_RunningWorkspace_DeletesThePodAndKeepsTheVolume()
    {
        await using var h = await ControllerHarness.StartAsync();
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-stop"));
        await h.WaitForPhaseAsync("app-stop", WorkspaceStatusPhase.Running);

        await h.UpdateSpecAsync("app-stop", s => s.DesiredState = DesiredState.Stopped);
        var ws = await h.WaitForPhaseAsync("app-stop", WorkspaceStatusPhase.Stopped);

        Assert.Null(h.Pod("app-stop"));
        Assert.Null(ws.Status!.AgentUrl);
        Assert.NotNull(h.Server.Get("/persistentvolumeclaims", ControllerHarness.Namespace, "ws-app-stop"));
        Assert.Equal("False", ws.Status.Conditions!.Single(c => c.Type == "Ready").Status);
    }

    [Fact]
    public async Task Start_StoppedWorkspace_RunsANewPodOnTheSameVolume()
    {
        await using var h = await ControllerHarness.StartAsync();
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-start", DesiredState.Stopped));
        await h.WaitForPhaseAsync("app-start", WorkspaceStatusPhase.Stopped);
        var volumeUid = (string?)h.Server.Get("/persistentvolumeclaims", ControllerHarness.Namespace, "ws-app-start")!["metadata"]!["uid"];
        Assert.Null(h.Pod("app-start"));

        await h.UpdateSpecAsync("app-start", s => s.DesiredState = DesiredState.Running);
        await h.WaitForPhaseAsync("app-start", WorkspaceStatusPhase.Running);

        Assert.Equal("ws-app-start", (string?)h.Pod("app-start")!["spec"]!["volumes"]![0]!["persistentVolumeClaim"]!["claimName"]);
        Assert.Equal(volumeUid, (string?)h.Server.Get("/persistentvolumeclaims", ControllerHarness.Namespace, "ws-app-start")!["metadata"]!["uid"]);
    }

    [Fact]
    public async Task Delete_Workspace_RemovesEverythingThenTheWorkspace()
    {
        await using var h = await ControllerHarness.StartAsync();
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-del"));
        await h.WaitForPhaseAsync("app-del", WorkspaceStatusPhase.Running);

        await h.DeleteAsync("app-del");

        await Poll.UntilAsync(async () => await h.GetAsync("app-del") is null, Timeout, "the Workspace to be gone");
        foreach (var resource in new[] { "/persistentvolumeclaims", "/secrets", "/services", "networking.k8s.io/networkpolicies", "/pods" })
        {
            Assert.Null(h.Server.Get(resource, ControllerHarness.Namespace, "ws-app-del"));
        }

        Assert.Contains("Deleted", h.EventReasons("app-del"));
    }

    [Fact]
    public async Task Delete_WorkspaceThatKeepsItsVolume_LeavesTheVolume()
    {
        await using var h = await ControllerHarness.StartAsync();
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-keep", keepVolume: true));
        await h.WaitForPhaseAsync("app-keep", WorkspaceStatusPhase.Running);

        await h.DeleteAsync("app-keep");

        await Poll.UntilAsync(async () => await h.GetAsync("app-keep") is null, Timeout, "the Workspace to be gone");
        Assert.Null(h.Pod("app-keep"));
        Assert.NotNull(h.Server.Get("/persistentvolumeclaims", ControllerHarness.Namespace, "ws-app-keep"));
    }

    [Fact]
    public async Task PodCrash_RunningWorkspace_RecordsItAndRunsANewPod()
    {
        await using var h = await ControllerHarness.StartAsync();
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-crash"));
        await h.WaitForPhaseAsync("app-crash", WorkspaceStatusPhase.Running);
        var firstUid = (string?)h.Pod("app-crash")!["metadata"]!["uid"];

        h.Server.Kubelet.Crash(ControllerHarness.Namespace, "ws-app-crash");

        var ws = await h.WaitForPhaseAsync("app-crash", WorkspaceStatusPhase.Running, and: w => w.Status!.Restarts == 1);
        Assert.NotEqual(firstUid, (string?)h.Pod("app-crash")!["metadata"]!["uid"]);
        Assert.Contains("AgentExited", h.EventReasons("app-crash"));
        Assert.NotNull(ws.Status!.AgentUrl);
    }

    [Fact]
    public async Task PodCrash_OldPodTerminatesSlowly_TheNewPodWaitsForIt()
    {
        await using var h = await ControllerHarness.StartAsync();
        h.Server.Kubelet.TerminationDelay = TimeSpan.FromMilliseconds(700);
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-slow-exit"));
        await h.WaitForPhaseAsync("app-slow-exit", WorkspaceStatusPhase.Running);
        var firstUid = (string?)h.Pod("app-slow-exit")!["metadata"]!["uid"];

        h.Server.Kubelet.Crash(ControllerHarness.Namespace, "ws-app-slow-exit");

        await Poll.UntilAsync(() => h.Pod("app-slow-exit")?["metadata"]?["deletionTimestamp"] is not null, Timeout, "the crashed pod to terminate");
        await h.WaitForPhaseAsync("app-slow-exit", WorkspaceStatusPhase.Running, and: w => w.Status!.Restarts == 1);
        Assert.NotEqual(firstUid, (string?)h.Pod("app-slow-exit")!["metadata"]!["uid"]);
    }

    [Fact]
    public async Task Stop_PodTerminatesSlowly_IsStoppingUntilThePodIsGone()
    {
        await using var h = await ControllerHarness.StartAsync();
        h.Server.Kubelet.TerminationDelay = TimeSpan.FromMilliseconds(700);
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-slow-stop"));
        await h.WaitForPhaseAsync("app-slow-stop", WorkspaceStatusPhase.Running);

        await h.UpdateSpecAsync("app-slow-stop", s => s.DesiredState = DesiredState.Stopped);

        await h.WaitForPhaseAsync("app-slow-stop", WorkspaceStatusPhase.Stopping);
        Assert.NotNull(h.Pod("app-slow-stop"));
        await h.WaitForPhaseAsync("app-slow-stop", WorkspaceStatusPhase.Stopped);
        Assert.Null(h.Pod("app-slow-stop"));
    }

    [Fact]
    public async Task PodEvicted_RunningWorkspace_RecordsTheEvictionAndRunsANewPod()
    {
        await using var h = await ControllerHarness.StartAsync();
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-evict"));
        await h.WaitForPhaseAsync("app-evict", WorkspaceStatusPhase.Running);
        var firstUid = (string?)h.Pod("app-evict")!["metadata"]!["uid"];

        h.Server.Kubelet.Evict(ControllerHarness.Namespace, "ws-app-evict");

        await h.WaitForPhaseAsync("app-evict", WorkspaceStatusPhase.Running, and: w => w.Status!.Restarts == 1);
        Assert.NotEqual(firstUid, (string?)h.Pod("app-evict")!["metadata"]!["uid"]);
        Assert.Contains("Evicted", h.EventReasons("app-evict"));
    }

    [Fact]
    public async Task ControllerRestart_MidReconcile_TheNextControllerFinishesWithOnePod()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false);
        var podCreateSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Server.BeforeRequest = async request =>
        {
            if (request.Method == "POST" && request.Path.Value!.EndsWith("/pods", StringComparison.Ordinal) && !release.Task.IsCompleted)
            {
                podCreateSeen.TrySetResult();
                await release.Task;
            }
        };
        var first = await h.StartControllerAsync("first");
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-restart"));
        await podCreateSeen.Task.WaitAsync(Timeout);

        // The first controller dies with the pod create in flight (its finalizer, volume and secret are done).
        var stopping = h.StopControllerAsync(first);
        release.TrySetResult();
        await stopping;
        await h.StartControllerAsync("second");

        await h.WaitForPhaseAsync("app-restart", WorkspaceStatusPhase.Running);
        Assert.Single(h.Server.List("/pods", ControllerHarness.Namespace));
        Assert.Single(h.Server.List("/persistentvolumeclaims", ControllerHarness.Namespace));
    }

    [Fact]
    public async Task TwoControllers_OneLease_OnlyTheHolderReconcilesAndTheOtherTakesOver()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false);
        var a = await h.StartControllerAsync("replica-a");
        var b = await h.StartControllerAsync("replica-b");
        await Poll.UntilAsync(() => ControllerHarness.Controller(a).IsLeading || ControllerHarness.Controller(b).IsLeading, Timeout, "a leader");
        var (leader, follower) = ControllerHarness.Controller(a).IsLeading ? (a, b) : (b, a);

        await h.CreateAsync(ControllerHarness.NewWorkspace("app-lease-1"));
        await h.WaitForPhaseAsync("app-lease-1", WorkspaceStatusPhase.Running);
        Assert.False(ControllerHarness.Controller(follower).IsLeading);
        Assert.Equal(0, ControllerHarness.Controller(follower).Reconciles);
        var lease = h.Server.Get("coordination.k8s.io/leases", ControllerHarness.Namespace, "rel-workspaces-controller");
        Assert.Equal(leader == a ? "replica-a" : "replica-b", (string?)lease!["spec"]!["holderIdentity"]);

        await h.StopControllerAsync(leader);
        await Poll.UntilAsync(() => ControllerHarness.Controller(follower).IsLeading, TimeSpan.FromSeconds(15), "the follower to take the lease");
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-lease-2"));

        await h.WaitForPhaseAsync("app-lease-2", WorkspaceStatusPhase.Running);
        Assert.Single(h.Server.List("/pods", ControllerHarness.Namespace), p => (string?)p["metadata"]!["name"] == "ws-app-lease-2");
    }

    [Fact]
    public async Task StaleWatch_HistoryCompacted_ControllerRelistsAndSeesNewWorkspaces()
    {
        await using var h = await ControllerHarness.StartAsync();
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-before"));
        await h.WaitForPhaseAsync("app-before", WorkspaceStatusPhase.Running);

        h.Server.CompactAndCloseWatches();
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-after"));

        await h.WaitForPhaseAsync("app-after", WorkspaceStatusPhase.Running);
    }

    [Fact]
    public async Task Start_PodCloning_StatusShowsTheStepThenRunning()
    {
        await using var h = await ControllerHarness.StartAsync();
        h.Server.Kubelet.AutoStart = false;
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-steps"));
        await h.WaitForPhaseAsync("app-steps", WorkspaceStatusPhase.Starting, and: w => w.Status!.StartStep == "Scheduling");

        h.Server.Kubelet.Cloning(ControllerHarness.Namespace, "ws-app-steps");
        var cloning = await h.WaitForPhaseAsync("app-steps", WorkspaceStatusPhase.Starting, and: w => w.Status!.StartStep == "Cloning");
        Assert.NotNull(cloning.Status!.Timings!.ScheduledAt);
        Assert.Null(cloning.Status.AgentUrl);

        h.Server.Kubelet.Start(ControllerHarness.Namespace, "ws-app-steps");
        var running = await h.WaitForPhaseAsync("app-steps", WorkspaceStatusPhase.Running);
        Assert.Null(running.Status!.StartStep);
    }

    [Fact]
    public async Task StartTimeout_PodNeverReady_ReportsFailedWithTheStepItWasStuckAt()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false);
        h.Server.Kubelet.AutoStart = false;
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await h.StartControllerAsync(timeProvider: time);
        var workspace = ControllerHarness.NewWorkspace("app-slow");
        workspace.Spec.Timeouts = new WorkspaceTimeouts { StartSeconds = 30 };
        await h.CreateAsync(workspace);
        await h.WaitForPhaseAsync("app-slow", WorkspaceStatusPhase.Starting, and: w => w.Status!.StartStep == "Scheduling" && w.Status.Timings?.PodCreatedAt is not null);

        // The controller's timer for the deadline may be set a little later (its pod event is still on the way), so the
        // clock moves on in steps until the deadline has fired.
        await Poll.UntilAsync(
            async () =>
            {
                time.Advance(TimeSpan.FromSeconds(5));
                return (await h.GetAsync("app-slow"))?.Status?.Phase == WorkspaceStatusPhase.Failed;
            },
            Timeout,
            "the start to time out");

        var ws = await h.WaitForPhaseAsync("app-slow", WorkspaceStatusPhase.Failed);
        Assert.Contains("30 seconds", ws.Status!.Message, StringComparison.Ordinal);
        Assert.Contains("Scheduling", ws.Status.Message, StringComparison.Ordinal);
        Assert.Contains("StartTimeout", h.EventReasons("app-slow"));
        // A failed start leaves no pod behind (nothing of the user's runs yet; the volume stays).
        await Poll.UntilAsync(() => h.Pod("app-slow") is null, Timeout, "the stuck pod to be deleted");
        Assert.NotNull(h.Server.Get("/persistentvolumeclaims", ControllerHarness.Namespace, "ws-app-slow"));

        // The user retries (a new generation): a fresh pod, which this time starts.
        h.Server.Kubelet.AutoStart = true;
        await h.UpdateSpecAsync("app-slow", s => s.Env = [new WorkspaceEnvVar { Name = "RETRY", Value = "1" }]);

        await h.WaitForPhaseAsync("app-slow", WorkspaceStatusPhase.Running);
    }

    [Fact]
    public async Task Create_CredentialsSealedForAnotherWorkspace_FailsWithAnEvent()
    {
        await using var h = await ControllerHarness.StartAsync();
        var stolen = ControllerHarness.NewWorkspace("app-thief");
        stolen.Spec.SealedCredentials = ControllerHarness.NewWorkspace("app-victim").Spec.SealedCredentials;

        await h.CreateAsync(stolen);

        var ws = await h.WaitForPhaseAsync("app-thief", WorkspaceStatusPhase.Failed);
        Assert.Contains("credentials", ws.Status!.Message, StringComparison.Ordinal);
        Assert.Null(h.Pod("app-thief"));
        Assert.Contains("InvalidCredentials", h.EventReasons("app-thief"));
    }
}
