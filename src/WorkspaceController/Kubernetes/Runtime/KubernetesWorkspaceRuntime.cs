using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Reconciliation;
using Workspaces.Shared.SourceControl;
using Workspaces.WorkspaceController.Kubernetes.Controller;
using Workspaces.WorkspaceController.Kubernetes.Prebuilds;
using Workspaces.WorkspaceController.Kubernetes.Resources;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.WorkspaceController.Kubernetes.Runtime;

/// <summary>
/// The production runtime: a workspace is a <c>Workspace</c> resource. Starting and stopping set its
/// <c>spec.desiredState</c> and wait for the controller's status; deleting deletes it (the controller's finalizer removes
/// the pod, service, secret and volume). The web app needs RBAC for Workspace resources and nothing else: the agent
/// secret and Git credential travel sealed in the spec.
/// </summary>
public sealed partial class KubernetesWorkspaceRuntime(
    IKubernetes client,
    WorkspaceResourceWatch watch,
    IOptions<KubernetesRuntimeOptions> options,
    IOptions<KubernetesPrebuildOptions> prebuildOptions,
    TimeProvider timeProvider,
    ILogger<KubernetesWorkspaceRuntime> logger,
    IPrebuildArchiveUrls? archiveUrls = null) : IWorkspaceRuntime, IWorkspacePortAddresses, IWorkspaceRuntimeChanges, IAgentReports, IWorkspaceServices
{
    public const string OwnerLabel = "workspaces.dev/owner";
    private static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(30);
    private readonly KubernetesRuntimeOptions _options = options.Value;
    private readonly SealedCredentials _sealed = new(options.Value.CredentialKey);

    public event Action<string>? Changed
    {
        add => watch.WorkspaceChanged += value;
        remove => watch.WorkspaceChanged -= value;
    }

    public event Action<string>? ServicesChanged
    {
        add => watch.ServicesChanged += value;
        remove => watch.ServicesChanged -= value;
    }

    public async Task<RuntimeObservation> ObserveAsync(string workspaceId, CancellationToken cancellationToken)
    {
        await SyncedAsync(cancellationToken);
        return Observe(workspaceId, watch.Informer.Get(workspaceId));
    }

    public async Task<IReadOnlyList<RuntimeObservation>> ListAsync(CancellationToken cancellationToken)
    {
        await SyncedAsync(cancellationToken);
        return [.. watch.Informer.Snapshot().Select(w => Observe(w.Metadata.Name, w))];
    }

    public async Task<RuntimeObservation> StartAsync(WorkspaceLaunch launch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        await SyncedAsync(cancellationToken);
        // Object-store prebuilds: the agent uploads (headless) or downloads (a new workspace) through a presigned URL.
        var upload = archiveUrls is not null && launch.Prebuild is { Headless: true } ? await archiveUrls.UploadUrlAsync(launch.WorkspaceId, cancellationToken) : null;
        var download = archiveUrls is not null && launch.Prebuild is { Headless: false, FromPrebuildId: { } fromId } ? await archiveUrls.DownloadUrlAsync(fromId, cancellationToken) : null;
        var written = await WriteAsync(launch.WorkspaceId, w => Apply(w, launch, upload), () => New(launch, upload ?? download), cancellationToken)
            ?? throw new WorkspaceRuntimeException("The workspace resource could not be written.");
        LogStarting(launch.WorkspaceId, written.Metadata.Generation ?? 0);
        var generation = written.Metadata.Generation ?? 0;
        var workspace = await WaitAsync(
            launch.WorkspaceId,
            w => w is null || (w.Status?.ObservedGeneration >= generation && w.Status.Phase is WorkspaceStatusPhase.Running or WorkspaceStatusPhase.Failed),
            _options.StartTimeout,
            cancellationToken);
        if (workspace is null)
        {
            throw new WorkspaceRuntimeException("The workspace was deleted while it started.");
        }

        if (workspace.Status?.Phase == WorkspaceStatusPhase.Running && workspace.Status.AgentUrl is not null)
        {
            return Observe(launch.WorkspaceId, workspace);
        }

        var why = workspace.Status?.Phase == WorkspaceStatusPhase.Failed
            ? workspace.Status.Message ?? "The workspace failed to start."
            : $"The workspace did not start within {_options.StartTimeout.TotalMinutes:0} minutes (last step: {workspace.Status?.StartStep ?? workspace.Status?.Phase ?? "not picked up by the controller"}).";
        throw new WorkspaceRuntimeException(why);
    }

    public async Task StopAsync(string workspaceId, CancellationToken cancellationToken)
    {
        await SyncedAsync(cancellationToken);
        if (watch.Informer.Get(workspaceId) is null)
        {
            return;
        }

        var written = await WriteAsync(workspaceId, w => w.Spec.DesiredState = DesiredState.Stopped, create: null, cancellationToken);
        if (written is null)
        {
            return;
        }

        var generation = written.Metadata.Generation ?? 0;
        var stopped = await WaitAsync(workspaceId, w => w is null || (w.Status?.ObservedGeneration >= generation && w.Status.Phase is WorkspaceStatusPhase.Stopped or WorkspaceStatusPhase.Failed), _options.StopTimeout, cancellationToken);
        if (stopped is not null && stopped.Status?.Phase != WorkspaceStatusPhase.Stopped)
        {
            LogSlowStop(workspaceId, _options.StopTimeout);
        }

        if (stopped?.Status?.Ports is { Count: > 0 })
        {
            // No agent, no ports; the Git state stays, as the files do.
            await PatchStatusAsync(workspaceId, new JsonObject { ["ports"] = null }, cancellationToken);
        }
    }

    public async Task ReportAsync(string workspaceId, IReadOnlyList<WorkspacePort> ports, GitSummary? git, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ports);
        // Nulls inside a merge patch's array are stored as nulls, so an unnamed port leaves "name" out.
        var listening = ports.Where(p => p.Listening).OrderBy(p => p.Port)
            .Select(p => (JsonNode)(p.Name is null ? new JsonObject { ["port"] = p.Port } : new JsonObject { ["port"] = p.Port, ["name"] = p.Name }));
        await PatchStatusAsync(
            workspaceId,
            new JsonObject
            {
                ["ports"] = new JsonArray([.. listening]),
                ["git"] = git is null ? null : new JsonObject { ["branch"] = git.Branch, ["dirty"] = git.UncommittedChanges > 0 },
            },
            cancellationToken);
    }

    /// <summary>
    /// A JSON merge patch of only the given status fields (the agent's ports and Git state): the controller owns every
    /// other status field and replaces the status with what it read, so it keeps these (a stale replace gets a 409).
    /// </summary>
    private async Task PatchStatusAsync(string workspaceId, JsonObject fields, CancellationToken cancellationToken)
    {
        var patch = new V1Patch(new JsonObject { ["status"] = fields }.ToJsonString(), V1Patch.PatchType.MergePatch);
        try
        {
            await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                patch, WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, _options.Namespace, WorkspaceResource.Plural, workspaceId, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            // Deleted meanwhile: nothing to show the report on.
        }
    }

    public async Task DeleteAsync(string workspaceId, CancellationToken cancellationToken)
    {
        try
        {
            await client.CustomObjects.DeleteNamespacedCustomObjectAsync(
                WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, _options.Namespace, WorkspaceResource.Plural, workspaceId, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            return;
        }

        var remaining = await WaitAsync(workspaceId, w => w is null, _options.StopTimeout, cancellationToken);
        if (remaining is not null)
        {
            // The finalizer has not run (controller down?): the caller retries on its next pass.
            throw new WorkspaceRuntimeException($"The workspace is still being deleted after {_options.StopTimeout.TotalSeconds:0} seconds; is the controller running?");
        }
    }

    public async Task<Uri?> GetPortUrlAsync(string workspaceId, int port, CancellationToken cancellationToken)
    {
        await SyncedAsync(cancellationToken);
        var status = watch.Informer.Get(workspaceId)?.Status;
        return status is { Phase: WorkspaceStatusPhase.Running, Host: { Length: > 0 } host }
            ? new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{host}:{port}/"))
            : null;
    }

    public IReadOnlyList<ClusterService> GetServices(string workspaceId)
    {
        // Only a namespace the spec names and the controller made ready; the names are checked again by the proxy.
        var workspace = watch.Informer.Get(workspaceId);
        return workspace?.Status?.ClusterAccess is { Phase: ClusterAccessPhase.Ready, Namespace: { } ns, Services: { Count: > 0 } services }
            && workspace.Metadata.DeletionTimestamp is null
            && workspace.Spec.ClusterAccess?.Namespace == ns
            ? [.. services.Select(s => new ClusterService(ns, s.Name, [.. s.Ports.Where(p => p.Protocol == "TCP").Select(p => new ClusterServicePort(p.Port, p.Name))]))]
            : [];
    }

    /// <summary>The first list of Workspaces; an unreachable API server fails the caller instead of hanging it.</summary>
    private async Task SyncedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await watch.Informer.Synced.WaitAsync(SyncTimeout, timeProvider, cancellationToken);
        }
        catch (TimeoutException e)
        {
            throw new WorkspaceRuntimeException($"The Kubernetes API server has not answered for {SyncTimeout.TotalSeconds:0} seconds; workspaces cannot be started or observed.", e);
        }
    }

    private static RuntimeObservation Observe(string workspaceId, WorkspaceResource? workspace)
    {
        if (workspace is null)
        {
            return RuntimeObservation.Absent(workspaceId);
        }

        var status = workspace.Status;
        var current = status?.ObservedGeneration == workspace.Metadata.Generation;
        if (workspace.Metadata.DeletionTimestamp is null && current && status!.Phase == WorkspaceStatusPhase.Running && status.AgentUrl is { } url)
        {
            return new RuntimeObservation(workspaceId, RuntimeState.Running, new Uri(url), status.Timings?.AgentStartedAt, null);
        }

        return (workspace.Spec.DesiredState, status?.Phase) switch
        {
            (_, WorkspaceStatusPhase.Failed) => new RuntimeObservation(workspaceId, RuntimeState.Stopped, null, null, status!.Message),
            (DesiredState.Stopped, WorkspaceStatusPhase.Stopped) => new RuntimeObservation(workspaceId, RuntimeState.Stopped, null, null, null),
            (DesiredState.Stopped, null) => new RuntimeObservation(workspaceId, RuntimeState.Stopped, null, null, null),
            _ => new RuntimeObservation(workspaceId, RuntimeState.Starting, null, null, status?.Message),
        };
    }

    private WorkspaceResource New(WorkspaceLaunch launch, Uri? archiveUrl)
    {
        var workspace = new WorkspaceResource
        {
            Metadata = new V1ObjectMeta
            {
                Name = launch.WorkspaceId,
                NamespaceProperty = _options.Namespace,
                Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "workspaces-web" },
            },
            Spec = new WorkspaceSpec
            {
                WorkspaceClass = string.IsNullOrEmpty(_options.WorkspaceClass) ? null : _options.WorkspaceClass,
                Retention = _options.KeepVolumeOnDelete ? new WorkspaceRetention { KeepVolumeOnDelete = true } : null,
            },
        };
        if (launch.OwnerId is { Length: > 0 and <= 63 } owner && owner.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            workspace.Metadata.Labels[OwnerLabel] = owner;
        }

        // Only a new workspace starts from a prebuild: its volume is created from the snapshot, or its agent restores the
        // archive. An existing one keeps its files, which the agent must never take for a restored prebuild.
        var fromPrebuild = launch.Prebuild is { Headless: false, FromPrebuildId: not null } && prebuildOptions.Value.Storage != KubernetesSnapshotStorage.None;
        Apply(workspace, launch, archiveUrl, fromPrebuild);
        if (fromPrebuild && prebuildOptions.Value.Storage == KubernetesSnapshotStorage.VolumeSnapshot)
        {
            workspace.Spec.VolumeSnapshot = VolumeSnapshotPrebuilds.Name(launch.Prebuild!.FromPrebuildId!);
        }

        return workspace;
    }

    private void Apply(WorkspaceResource workspace, WorkspaceLaunch launch, Uri? archiveUrl, bool fromPrebuild = false)
    {
        var spec = workspace.Spec;
        spec.Owner = launch.OwnerId ?? spec.Owner;
        if (string.IsNullOrEmpty(spec.Owner))
        {
            spec.Owner = "unknown";
        }

        // A project's image and class; without one the workspace keeps what it has (the controller's defaults).
        spec.Image = launch.Image ?? spec.Image;
        spec.WorkspaceClass = launch.WorkspaceClass ?? spec.WorkspaceClass;
        spec.Repository = new WorkspaceRepository { Url = launch.RepositoryUrl, Ref = launch.Ref, CheckoutDirectory = launch.CheckoutDirectoryName };
        // Variables may be the user's or a project's secrets: they travel sealed, never as plain spec.env.
        spec.Env = null;
        spec.DesiredState = DesiredState.Running;
        spec.Prebuild = launch.Prebuild is { Headless: true } || fromPrebuild ? WorkspacePrebuild.From(launch.Prebuild) : null;
        // The start's trace, so the controller's reconciles (and through it the agent) join it.
        if (launch.Telemetry?.TraceParent is { } traceParent)
        {
            workspace.Metadata.Annotations ??= new Dictionary<string, string>();
            workspace.Metadata.Annotations[Controller.ControllerTelemetry.TraceParentAnnotation] = traceParent;
        }
        else
        {
            workspace.Metadata.Annotations?.Remove(Controller.ControllerTelemetry.TraceParentAnnotation);
        }
        spec.ClusterAccess = launch.ClusterAccess is { } access
            ? new WorkspaceClusterAccess { Namespace = access.Namespace, Rules = access.Rules is null ? null : [.. access.Rules], ScaleToZeroOnStop = access.ScaleToZeroOnStop }
            : null;
        spec.Editor = launch.Editor is { } editor ? new WorkspaceEditorLimits { SoftLimitBytes = editor.SoftLimitBytes, HardLimitBytes = editor.HardLimitBytes } : null;
        // Sealed afresh on every start: the Git credential may have changed, and the new generation makes the controller rewrite the pod's secret.
        spec.SealedCredentials = _sealed.Seal(_options.Namespace, launch.WorkspaceId, new WorkspaceCredentials(launch.AgentSecret, launch.GitCredential?.Username, launch.GitCredential?.Password)
        {
            Environment = launch.Environment.Count == 0 ? null : launch.Environment,
            Files = launch.Files is { Count: > 0 } ? launch.Files : null,
            DotfilesRepository = launch.DotfilesRepository,
            RepositoryNetwork = launch.RepositoryNetwork is { AllowedHosts.Count: 0, AllowedNetworks.Count: 0 } ? null : launch.RepositoryNetwork,
            PrebuildArchiveUrl = spec.Prebuild is null ? null : archiveUrl,
        });
        if (spec.SealedCredentials.Length > WorkspaceSpec.MaxSealedCredentialsLength)
        {
            throw new WorkspaceRuntimeException(
                $"The workspace's variables and secret files are too large for Kubernetes: {spec.SealedCredentials.Length / 1024} KiB once encrypted, "
                + $"and a Workspace holds at most {WorkspaceSpec.MaxSealedCredentialsLength / 1024} KiB (about 45 secret files of 4,000 characters). "
                + "Remove variables or secret files you do not need in this workspace (project and personal settings), then start it again.");
        }
    }

    /// <summary>Read-modify-write with optimistic concurrency; creates the resource when <paramref name="create"/> is given and it does not exist.</summary>
    private async Task<WorkspaceResource?> WriteAsync(string name, Action<WorkspaceResource> change, Func<WorkspaceResource>? create, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                WorkspaceResource? current;
                try
                {
                    current = await client.CustomObjects.GetNamespacedCustomObjectAsync<WorkspaceResource>(
                        WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, _options.Namespace, WorkspaceResource.Plural, name, cancellationToken);
                }
                catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
                {
                    current = null;
                }

                WorkspaceResource written;
                if (current is null)
                {
                    if (create is null)
                    {
                        return null;
                    }

                    written = await client.CustomObjects.CreateNamespacedCustomObjectAsync<WorkspaceResource>(
                        create(), WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, _options.Namespace, WorkspaceResource.Plural, cancellationToken: cancellationToken);
                }
                else
                {
                    if (current.Metadata.DeletionTimestamp is not null)
                    {
                        throw new WorkspaceRuntimeException("The workspace is being deleted.");
                    }

                    change(current);
                    written = await client.CustomObjects.ReplaceNamespacedCustomObjectAsync<WorkspaceResource>(
                        current, WorkspaceResource.ApiGroup, WorkspaceResource.ApiVersionName, _options.Namespace, WorkspaceResource.Plural, name, cancellationToken: cancellationToken);
                }

                watch.Update(written);
                return written;
            }
            catch (HttpOperationException e) when (KubernetesErrors.IsConflict(e) && attempt < 5)
            {
                await Task.Delay(new Backoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1)).Delay(attempt), timeProvider, cancellationToken);
            }
            catch (HttpOperationException e)
            {
                throw new WorkspaceRuntimeException($"The Kubernetes API refused the workspace ({(int)e.Response.StatusCode}): {KubernetesErrors.Message(e)}", e);
            }
        }
    }

    /// <summary>Waits until the cached resource satisfies <paramref name="done"/> or the timeout passes; returns the last one seen.</summary>
    private async Task<WorkspaceResource?> WaitAsync(string name, Func<WorkspaceResource?, bool> done, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutCts = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        while (true)
        {
            var next = watch.NextChange;
            var current = watch.Informer.Get(name);
            if (done(current) || timeoutCts.IsCancellationRequested)
            {
                return current;
            }

            try
            {
                await next.WaitAsync(linked.Token);
            }
            catch (OperationCanceledException) when (timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return watch.Informer.Get(name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {WorkspaceId} asked to run (generation {Generation})")]
    private partial void LogStarting(string workspaceId, long generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workspace {WorkspaceId} has not stopped within {Timeout}; the controller finishes it")]
    private partial void LogSlowStop(string workspaceId, TimeSpan timeout);
}
