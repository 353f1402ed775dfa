using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Workspaces.WorkspaceController.Kubernetes.Snapshots;

/// <summary>
/// The fields of a CSI <c>snapshot.storage.k8s.io/v1</c> VolumeSnapshot the controller reads. It is only ever created
/// whole and changed by merge patches of its metadata, so fields missing here are never written back.
/// </summary>
public sealed class VolumeSnapshotResource : IKubernetesObject<V1ObjectMeta>
{
    public const string Group = "snapshot.storage.k8s.io";
    public const string Version = "v1";
    public const string KindName = "VolumeSnapshot";
    public const string Plural = "volumesnapshots";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = $"{Group}/{Version}";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public VolumeSnapshotSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public VolumeSnapshotStatus? Status { get; set; }
}

public sealed class VolumeSnapshotResourceList : IKubernetesObject<V1ListMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = $"{VolumeSnapshotResource.Group}/{VolumeSnapshotResource.Version}";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "VolumeSnapshotList";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<VolumeSnapshotResource> Items { get; set; } = [];
}

public sealed class VolumeSnapshotSpec
{
    [JsonPropertyName("volumeSnapshotClassName")]
    public string? VolumeSnapshotClassName { get; set; }

    [JsonPropertyName("source")]
    public VolumeSnapshotSource Source { get; set; } = new();
}

public sealed class VolumeSnapshotSource
{
    [JsonPropertyName("persistentVolumeClaimName")]
    public string? PersistentVolumeClaimName { get; set; }

    [JsonPropertyName("volumeSnapshotContentName")]
    public string? VolumeSnapshotContentName { get; set; }
}

public sealed class VolumeSnapshotStatus
{
    [JsonPropertyName("readyToUse")]
    public bool? ReadyToUse { get; set; }

    [JsonPropertyName("restoreSize")]
    public string? RestoreSize { get; set; }

    [JsonPropertyName("boundVolumeSnapshotContentName")]
    public string? BoundVolumeSnapshotContentName { get; set; }

    [JsonPropertyName("error")]
    public VolumeSnapshotError? Error { get; set; }
}

public sealed class VolumeSnapshotError
{
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}
