using System.Globalization;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Configuration;
using Workspaces.WorkspaceController.Kubernetes.Controller;

namespace Workspaces.WorkspaceController.Kubernetes.Cleanup;

/// <summary>
/// The controller image run with <see cref="Switch"/> (the chart's pre-delete hook): deletes every Workspace of the
/// namespace and waits until the still-running controller has finalized them all. Without it an uninstall leaves
/// Workspaces whose finalizer nothing removes any more, and deleting the namespace hangs on them.
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
        var deleted = false;
        while (true)
        {
            IList<WorkspaceResource> left;
            try
            {
                var list = await client.CustomObjects.ListNamespacedCustomObjectAsync<WorkspaceResourceList>(
                    WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, ns, WorkspaceResource.Plural, cancellationToken: cancellationToken);
                left = list.Items;
            }
            catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
            {
                await output.WriteLineAsync("No Workspace resource type (the CRD is gone): nothing to clean up.");
                return 0;
            }

            if (left.Count == 0)
            {
                await output.WriteLineAsync($"No Workspaces left in namespace {ns}.");
                return 0;
            }

            if (!deleted)
            {
                await output.WriteLineAsync($"Deleting {left.Count} Workspace(s) in namespace {ns}; the controller stops their pods and removes their children.");
                foreach (var workspace in left.Where(w => w.Metadata.DeletionTimestamp is null))
                {
                    await KubernetesErrors.IgnoreNotFoundAsync(() => client.CustomObjects.DeleteNamespacedCustomObjectAsync(
                        WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, ns, WorkspaceResource.Plural, workspace.Metadata.Name, cancellationToken: cancellationToken));
                }

                deleted = true;
            }

            if (timeProvider.GetUtcNow() >= deadline)
            {
                await output.WriteLineAsync(
                    $"{left.Count} Workspace(s) still not finalized after {timeout.TotalSeconds:0} s: {string.Join(", ", left.Select(w => w.Metadata.Name))}. "
                    + "Is the controller running? Check its logs; as a last resort remove their finalizer (workspaces.dev/cleanup) by hand and delete their ws-* objects.");
                return 1;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), timeProvider, cancellationToken);
        }
    }
}
