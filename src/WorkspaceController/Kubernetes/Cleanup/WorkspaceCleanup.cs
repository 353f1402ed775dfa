using System.Globalization;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Configuration;
using Workspaces.WorkspaceController.Kubernetes.Controller;

namespace Workspaces.WorkspaceController.Kubernetes.Cleanup;

/// <summary>
/// The controller image run with <see cref="Switch"/> (the chart's pre-delete hook): deletes every Workspace of the
/// namespace, then every WorkspaceSnapshot (prebuilds' VolumeSnapshots), and waits until the still-running controller
/// has finalized them all. Without it an uninstall leaves objects whose finalizer nothing removes any more, and
/// deleting the namespace hangs on them.
/// </summary>
public static class WorkspaceCleanup
{
    public const string Switch = "--cleanup";
    public const string TimeoutSwitch = "--timeout-seconds";

    /// <summary>The process entry: configuration as the controller's (namespace from Workspaces:Controller:Namespace or the pod's).</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, IConfiguration configuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(configuration);
        var timeoutIndex = args.ToList().IndexOf(TimeoutSwitch);
        var seconds = 300;
        if (timeoutIndex >= 0 && (timeoutIndex + 1 >= args.Count || !int.TryParse(args[timeoutIndex + 1], NumberStyles.None, CultureInfo.InvariantCulture, out seconds) || seconds < 1))
        {
            await Console.Error.WriteLineAsync($"{TimeoutSwitch} needs a number of seconds, e.g. {TimeoutSwitch} 300.");
            return 2;
        }

        var ns = configuration[$"{ControllerOptions.SectionName}:Namespace"] is { Length: > 0 } configured ? configured : KubernetesClientFactory.PodNamespace();
        if (string.IsNullOrEmpty(ns))
        {
            await Console.Error.WriteLineAsync($"No namespace: set {ControllerOptions.SectionName}:Namespace or run in a pod.");
            return 2;
        }

        using var client = KubernetesClientFactory.Create(configuration);
        return await RunAsync(client, ns, TimeSpan.FromSeconds(seconds), TimeProvider.System, Console.Out, cancellationToken);
    }

    public static async Task<int> RunAsync(IKubernetes client, string ns, TimeSpan timeout, TimeProvider timeProvider, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(output);
        var deadline = timeProvider.GetUtcNow() + timeout;
        var workspaces = await DeleteAllAsync(
            client,
            ns,
            WorkspaceResource.KindName,
            WorkspaceResource.Plural,
            async ct => (await client.CustomObjects.ListNamespacedCustomObjectAsync<WorkspaceResourceList>(
                WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, ns, WorkspaceResource.Plural, cancellationToken: ct)).Items.Select(w => w.Metadata),
            "the controller stops their pods and removes their children",
            $"remove their finalizer ({Resources.WorkspaceResourceBuilder.Finalizer}) by hand and delete their ws-* objects",
            deadline,
            timeout,
            timeProvider,
            output,
            cancellationToken);
        if (workspaces != 0)
        {
            return workspaces;
        }

        // Prebuilds' snapshots (prebuilds kept as VolumeSnapshots): the controller deletes each VolumeSnapshot before it lets go.
        return await DeleteAllAsync(
            client,
            ns,
            Snapshots.WorkspaceSnapshotResource.KindName,
            Snapshots.WorkspaceSnapshotResource.Plural,
            async ct => (await client.CustomObjects.ListNamespacedCustomObjectAsync<Snapshots.WorkspaceSnapshotResourceList>(
                WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, ns, Snapshots.WorkspaceSnapshotResource.Plural, cancellationToken: ct)).Items.Select(w => w.Metadata),
            "the controller deletes their VolumeSnapshots",
            $"remove their finalizer ({Snapshots.WorkspaceSnapshotResource.Finalizer}) by hand and delete the VolumeSnapshots of the same name",
            deadline,
            timeout,
            timeProvider,
            output,
            cancellationToken);
    }

    /// <summary>Deletes every object of one of our kinds and waits until the controller has finalized them; 0 when none is left.</summary>
    private static async Task<int> DeleteAllAsync(
        IKubernetes client,
        string ns,
        string kind,
        string plural,
        Func<CancellationToken, Task<IEnumerable<k8s.Models.V1ObjectMeta>>> list,
        string whatTheControllerDoes,
        string lastResort,
        DateTimeOffset deadline,
        TimeSpan timeout,
        TimeProvider timeProvider,
        TextWriter output,
        CancellationToken cancellationToken)
    {
        var deleted = false;
        while (true)
        {
            List<k8s.Models.V1ObjectMeta> left;
            try
            {
                left = [.. await list(cancellationToken)];
            }
            catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
            {
                await output.WriteLineAsync($"No {kind} resource type (its CRD is not installed): nothing to clean up.");
                return 0;
            }

            if (left.Count == 0)
            {
                await output.WriteLineAsync($"No {kind}s left in namespace {ns}.");
                return 0;
            }

            if (!deleted)
            {
                await output.WriteLineAsync($"Deleting {left.Count} {kind}(s) in namespace {ns}; {whatTheControllerDoes}.");
                foreach (var metadata in left.Where(m => m.DeletionTimestamp is null))
                {
                    await KubernetesErrors.IgnoreNotFoundAsync(() => client.CustomObjects.DeleteNamespacedCustomObjectAsync(
                        WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, ns, plural, metadata.Name, cancellationToken: cancellationToken));
                }

                deleted = true;
            }

            if (timeProvider.GetUtcNow() >= deadline)
            {
                await output.WriteLineAsync(
                    $"{left.Count} {kind}(s) still not finalized after {timeout.TotalSeconds:0} s: {string.Join(", ", left.Select(m => m.Name))}. "
                    + $"Is the controller running? Check its logs; as a last resort {lastResort}.");
                return 1;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), timeProvider, cancellationToken);
        }
    }
}
