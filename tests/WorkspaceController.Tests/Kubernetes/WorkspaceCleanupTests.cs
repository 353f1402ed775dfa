using Microsoft.Extensions.Time.Testing;
using Workspaces.FakeKubernetes;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Cleanup;
using Workspaces.WorkspaceController.Tests.Controller;

namespace Workspaces.WorkspaceController.Tests.Kubernetes;

/// <summary>The uninstall hook (controller image, --cleanup) with the chart's own hook account, against a running controller.</summary>
public sealed class WorkspaceCleanupTests
{
    private static readonly string HookToken = FakeRbac.ServiceAccountToken(ControllerHarness.Namespace, "rel-workspaces-uninstall");

    [Fact]
    public async Task Cleanup_RunningWorkspaces_DeletesThemAndWaitsUntilTheControllerFinalizedThem()
    {
        await using var h = await ControllerHarness.StartAsync();
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-u1"));
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-u2", DesiredState.Stopped));
        await h.WaitForPhaseAsync("app-u1", WorkspaceStatusPhase.Running);
        using var hook = h.Server.CreateClient(HookToken);
        var output = new StringWriter();

        var code = await WorkspaceCleanup.RunAsync(hook, ControllerHarness.Namespace, TimeSpan.FromSeconds(30), TimeProvider.System, output, CancellationToken.None);

        Assert.True(code == 0, output.ToString());
        Assert.Empty(h.Server.List("workspaces.dev/workspaces", ControllerHarness.Namespace));
        Assert.Empty(h.Server.List("/pods", ControllerHarness.Namespace));
        Assert.Empty(h.Server.List("networking.k8s.io/networkpolicies", ControllerHarness.Namespace));
    }

    [Fact]
    public async Task Cleanup_PrebuildSnapshots_AreDeletedWithTheirVolumeSnapshotsAfterTheWorkspaces()
    {
        await using var h = await Prebuilds.VolumeSnapshotPrebuildsTests.StartClusterAsync();
        using var web = await Prebuilds.VolumeSnapshotPrebuildsTests.StartWebAsync(h);
        await Prebuilds.VolumeSnapshotPrebuildsTests.PrebuildAsync(web, "c1ea2a");
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-u3"));
        using var hook = h.Server.CreateClient(HookToken);
        var output = new StringWriter();

        var code = await WorkspaceCleanup.RunAsync(hook, ControllerHarness.Namespace, TimeSpan.FromSeconds(30), TimeProvider.System, output, CancellationToken.None);

        Assert.True(code == 0, output.ToString());
        Assert.Empty(h.Server.List("workspaces.dev/workspaces", ControllerHarness.Namespace));
        Assert.Empty(h.Server.List(FakeKubeApiServer.WorkspaceSnapshots, ControllerHarness.Namespace));
        Assert.Empty(h.Server.List(FakeKubeApiServer.VolumeSnapshots, ControllerHarness.Namespace));
        Assert.Contains("Deleting 1 WorkspaceSnapshot(s)", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cleanup_NoControllerToFinalize_GivesUpAfterTheTimeoutAndNamesWhatIsLeft()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false);
        var stuck = ControllerHarness.NewWorkspace("app-stuck");
        stuck.Metadata.Finalizers = ["workspaces.dev/cleanup"];
        await h.CreateAsync(stuck);
        using var hook = h.Server.CreateClient(HookToken);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var output = new StringWriter();

        var run = WorkspaceCleanup.RunAsync(hook, ControllerHarness.Namespace, TimeSpan.FromSeconds(10), time, output, CancellationToken.None);
        await Poll.UntilAsync(
            () =>
            {
                time.Advance(TimeSpan.FromSeconds(1));
                return run.IsCompleted;
            },
            TimeSpan.FromSeconds(20),
            "the cleanup to give up");

        Assert.Equal(1, await run);
        Assert.Contains("app-stuck", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("controller running", output.ToString(), StringComparison.Ordinal);
    }
}
