using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Controller;

namespace Workspaces.WorkspaceController.Tests.Controller;

public sealed class ResourceInformerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Update_StaleWriteAfterTheWatchDeliveredANewerVersion_KeepsTheNewer()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false);
        using var cts = new CancellationTokenSource();
        var informer = Informer(h);
        var run = informer.RunAsync(cts.Token);
        var first = await h.CreateAsync(ControllerHarness.NewWorkspace("app-rv"));
        await Poll.UntilAsync(() => informer.Get("app-rv") is not null, Timeout, "the informer to see the workspace");

        await h.UpdateSpecAsync("app-rv", s => s.Image = "registry.example/newer:1");
        await Poll.UntilAsync(() => informer.Get("app-rv")?.Spec.Image == "registry.example/newer:1", Timeout, "the watch to deliver the change");

        // A writer hands in what it got back from an earlier write (the versions are opaque strings: order is not in them).
        informer.Update(first);

        Assert.Equal("registry.example/newer:1", informer.Get("app-rv")!.Spec.Image);
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Update_OwnWriteAheadOfTheWatch_StaysUntilTheWatchCatchesUp()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false);
        using var cts = new CancellationTokenSource();
        var informer = Informer(h);
        var run = informer.RunAsync(cts.Token);
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-ahead"));
        await Poll.UntilAsync(() => informer.Get("app-ahead") is not null, Timeout, "the informer to see the workspace");
        var current = (await h.GetAsync("app-ahead"))!;
        current.Spec.Image = "registry.example/mine:1";

        var written = await h.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync<WorkspaceResource>(current, WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, ControllerHarness.Namespace, WorkspaceResource.Plural, "app-ahead");
        informer.Update(written);

        Assert.Equal("registry.example/mine:1", informer.Get("app-ahead")!.Spec.Image);
        await h.UpdateSpecAsync("app-ahead", s => s.Image = "registry.example/later:1");
        await Poll.UntilAsync(() => informer.Get("app-ahead")?.Spec.Image == "registry.example/later:1", Timeout, "the later change to arrive");
        await cts.CancelAsync();
        await run;
    }

    private static ResourceInformer<WorkspaceResource, WorkspaceResourceList> Informer(ControllerHarness h) => new(
        "workspaces",
        (rv, watch, ct) => h.Client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<WorkspaceResourceList>(
            WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, ControllerHarness.Namespace, WorkspaceResource.Plural,
            allowWatchBookmarks: watch ? true : null, resourceVersion: rv, timeoutSeconds: watch ? 60 : null, watch: watch, cancellationToken: ct),
        list => (list.Metadata?.ResourceVersion, list.Items),
        TimeProvider.System,
        NullLogger.Instance);
}
