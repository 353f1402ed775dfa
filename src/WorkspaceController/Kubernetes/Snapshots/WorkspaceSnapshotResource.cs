using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Workspaces.WorkspaceController.Kubernetes.Snapshots;

/// <summary>
/// The <c>WorkspaceSnapshot</c> custom resource: "snapshot the volume of Workspace X". The web app creates, reads and
/// deletes it; the controller owns the CSI VolumeSnapshot of the same name and writes <see cref="Status"/>. The schema is
/// in the Helm chart (deploy/helm/workspaces/crds/workspacesnapshots.yaml).
/// </summary>
public sealed class WorkspaceSnapshotResource : IKubernetesObject<V1ObjectMeta>
{
    public const string KindName = "WorkspaceSnapshot";
    public const string Plural = "workspacesnapshots";

    /// <summary>The controller's finalizer on the WorkspaceSnapshot: it goes once the VolumeSnapshot is gone.</summary>
    public const string Finalizer = "workspaces.dev/volume-snapshot";

    public WorkspaceSnapshotResource()
    {
        ApiVersion = $"{WorkspaceResource.ApiGroup}/{WorkspaceResource.ApiVersionName}";
        Kind = KindName;
    }

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string Kind { get; set; }

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public WorkspaceSnapshotSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public WorkspaceSnapshotStatus? Status { get; set; }
}

public sealed class WorkspaceSnapshotResourceList : IKubernetesObject<V1ListMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = $"{WorkspaceResource.ApiGroup}/{WorkspaceResource.ApiVersionName}";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "WorkspaceSnapshotList";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<WorkspaceSnapshotResource> Items { get; set; } = [];
}

public sealed class WorkspaceSnapshotSpec
{
    /// <summary>The Workspace whose volume (<c>ws-{workspace}</c>) is snapshotted; null when <see cref="AdoptLegacy"/>.</summary>
    [JsonPropertyName("workspace")]
    public string? Workspace { get; set; }

    /// <summary>The VolumeSnapshotClass; null for the cluster's default class.</summary>
    [JsonPropertyName("volumeSnapshotClassName")]
    public string? VolumeSnapshotClassName { get; set; }

    /// <summary>Take over the VolumeSnapshot of this name that an older web app made and owned itself (the migration).</summary>
    [JsonPropertyName("adoptLegacy")]
    public bool? AdoptLegacy { get; set; }
}

public static class WorkspaceSnapshotPhase
{
    public const string Pending = "Pending";
    public const string Ready = "Ready";
    public const string Failed = "Failed";
    public const string Deleting = "Deleting";
}

public sealed class WorkspaceSnapshotStatus
{
    /// <summary><see cref="WorkspaceSnapshotPhase"/>.</summary>
    [JsonPropertyName("phase")]
    public string? Phase { get; set; }

    [JsonPropertyName("readyToUse")]
    public bool? ReadyToUse { get; set; }

    /// <summary>The VolumeSnapshot's <c>status.restoreSize</c>, a quantity.</summary>
    [JsonPropertyName("restoreSize")]
    public string? RestoreSize { get; set; }

    [JsonPropertyName("restoreSizeBytes")]
    public long? RestoreSizeBytes { get; set; }

    /// <summary>Why the snapshot cannot be used; null while it is pending or ready.</summary>
    [JsonPropertyName("error")]
    public string? Error { get; set; }

    [JsonPropertyName("volumeSnapshotName")]
    public string? VolumeSnapshotName { get; set; }

    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }
}
