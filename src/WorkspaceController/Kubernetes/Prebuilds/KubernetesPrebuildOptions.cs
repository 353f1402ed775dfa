using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Workspaces.WorkspaceController.Kubernetes.Prebuilds;

public enum KubernetesSnapshotStorage
{
    /// <summary>No snapshot storage: prebuilds are off and say why.</summary>
    None,

    /// <summary>CSI VolumeSnapshots of the prebuild's volume; new volumes are created from them.</summary>
    VolumeSnapshot,

    /// <summary>Archives of the checkout in an S3-compatible object store (a cluster without snapshots).</summary>
    S3,
}

/// <summary>Where the Kubernetes runtime keeps prebuilds' snapshots (section <c>Workspaces:Runtime:Kubernetes:Prebuilds</c>).</summary>
public sealed class KubernetesPrebuildOptions
{
    public const string SectionName = "Workspaces:Runtime:Kubernetes:Prebuilds";

    public KubernetesSnapshotStorage Storage { get; set; } = KubernetesSnapshotStorage.None;

    /// <summary>The VolumeSnapshotClass of the workspaces' CSI driver (the driver of their StorageClass).</summary>
    public string VolumeSnapshotClass { get; set; } = "";

    /// <summary>How long a VolumeSnapshot may take to become ready to use before the prebuild fails.</summary>
    public TimeSpan SnapshotTimeout { get; set; } = TimeSpan.FromMinutes(15);

    public S3ArchiveOptions S3 { get; set; } = new();
}

/// <summary>The object store of <see cref="KubernetesSnapshotStorage.S3"/> (section <c>Workspaces:Runtime:Kubernetes:Prebuilds:S3</c>).</summary>
public sealed class S3ArchiveOptions
{
    /// <summary>The store's endpoint, such as http://minio.workspaces.svc:9000; empty: AWS S3 in <see cref="Region"/>.</summary>
    public string ServiceUrl { get; set; } = "";

    public string Bucket { get; set; } = "";

    public string Region { get; set; } = "us-east-1";

    /// <summary>Empty: the SDK's default credentials (environment, web identity, instance profile).</summary>
    public string AccessKey { get; set; } = "";

    public string SecretKey { get; set; } = "";

    /// <summary>Objects are <c>{Prefix}{prebuild id}.tar.gz</c>.</summary>
    public string Prefix { get; set; } = "prebuilds/";

    /// <summary>Paths (http://host/bucket/key) rather than bucket host names: what MinIO and most S3-compatible stores need.</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>Create the bucket at the first prebuild when it does not exist (the chart's MinIO); else it must exist.</summary>
    public bool CreateBucket { get; set; }

    /// <summary>How long the agent's presigned URLs are valid: at least a prebuild's time limit (S3 allows up to 7 days).</summary>
    public TimeSpan UrlLifetime { get; set; } = TimeSpan.FromHours(12);
}

public sealed partial class KubernetesPrebuildOptionsValidator : IValidateOptions<KubernetesPrebuildOptions>
{
    private const string S = KubernetesPrebuildOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, KubernetesPrebuildOptions options)
    {
        var failures = new List<string>();
        if (options.Storage == KubernetesSnapshotStorage.VolumeSnapshot && !DnsSubdomain().IsMatch(options.VolumeSnapshotClass))
        {
            failures.Add($"{S}:VolumeSnapshotClass must name the VolumeSnapshotClass of the workspaces' CSI driver, such as csi-hostpath-snapclass (got '{options.VolumeSnapshotClass}'); `kubectl get volumesnapshotclass` lists them.");
        }

        if (options.SnapshotTimeout < TimeSpan.FromSeconds(10) || options.SnapshotTimeout > TimeSpan.FromHours(6))
        {
            failures.Add($"{S}:SnapshotTimeout must be between 00:00:10 and 06:00:00 (got {options.SnapshotTimeout}).");
        }

        if (options.Storage == KubernetesSnapshotStorage.S3)
        {
            ValidateS3(options.S3, failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateS3(S3ArchiveOptions s3, List<string> failures)
    {
        if (s3.ServiceUrl.Length > 0 && (!Uri.TryCreate(s3.ServiceUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")))
        {
            failures.Add($"{S}:S3:ServiceUrl must be the object store's http(s) URL such as http://minio:9000 (got '{s3.ServiceUrl}'), or empty for AWS S3.");
        }

        if (s3.Bucket.Length is < 3 or > 63 || !BucketName().IsMatch(s3.Bucket))
        {
            failures.Add($"{S}:S3:Bucket must name an existing bucket (3 to 63 lowercase letters, digits, '.' or '-'; got '{s3.Bucket}').");
        }

        if (string.IsNullOrEmpty(s3.AccessKey) != string.IsNullOrEmpty(s3.SecretKey))
        {
            failures.Add($"{S}:S3:AccessKey and {S}:S3:SecretKey go together: set both, or neither for the SDK's default credentials.");
        }

        if (s3.UrlLifetime < TimeSpan.FromMinutes(5) || s3.UrlLifetime > TimeSpan.FromDays(7))
        {
            failures.Add($"{S}:S3:UrlLifetime must be between 00:05:00 and 7.00:00:00, and above the prebuilds' time limit (got {s3.UrlLifetime}).");
        }

        if (s3.Prefix.StartsWith('/'))
        {
            failures.Add($"{S}:S3:Prefix must not start with '/' (got '{s3.Prefix}').");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]*[a-z0-9]$")]
    private static partial Regex BucketName();

    [GeneratedRegex("^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();
}
