using System.Net;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workspaces.Shared.Prebuilds;
using Workspaces.WorkspaceController.Kubernetes.Runtime;
using Workspaces.WorkspaceController.Prebuilds;

namespace Workspaces.WorkspaceController.Kubernetes.Prebuilds;

/// <summary>Presigned URLs the runtime hands a workspace's agent, sealed with its credentials.</summary>
public interface IPrebuildArchiveUrls
{
    /// <summary>Where a headless prebuild workspace (<c>prebuild-{id}</c>) PUTs its checkout's archive once <c>init</c> is done.</summary>
    Task<Uri> UploadUrlAsync(string workspaceId, CancellationToken cancellationToken);

    /// <summary>Where a new workspace's agent GETs the prebuild's archive from, before it would clone.</summary>
    Task<Uri> DownloadUrlAsync(string prebuildId, CancellationToken cancellationToken);
}

/// <summary>
/// Prebuilds' snapshots on a cluster without CSI snapshots: a <see cref="PrebuildArchive"/> of the checkout in an
/// S3-compatible object store (AWS SDK for the API and the signing). The agent moves the bytes itself through presigned
/// URLs, so the store's credentials never leave the web app: the headless agent uploads <c>{prefix}{prebuild}.tar.gz</c>
/// when <c>init</c> is done, the snapshot step checks it is there (and its size), and a new workspace's agent downloads
/// it before it would clone (and clones when it cannot). The headless workspace's id names its prebuild
/// (<c>prebuild-{id}</c>, the web app's runner's names, as for VolumeSnapshots), so nothing is copied or renamed.
/// </summary>
public sealed partial class S3PrebuildArchives : IPrebuildSnapshots, IPrebuildArchiveUrls, IDisposable
{
    public const string Storage = "s3";
    private readonly AmazonS3Client _client;
    private readonly S3ArchiveOptions _options;
    private readonly WorkspaceResourceWatch _watch;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<S3PrebuildArchives> _logger;
    private volatile bool _bucketReady;

    public S3PrebuildArchives(IOptions<KubernetesPrebuildOptions> options, WorkspaceResourceWatch watch, TimeProvider timeProvider, ILogger<S3PrebuildArchives> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value.S3;
        _watch = watch;
        _timeProvider = timeProvider;
        _logger = logger;
        var config = new AmazonS3Config { ForcePathStyle = _options.ForcePathStyle };
        if (_options.ServiceUrl.Length > 0)
        {
            config.ServiceURL = _options.ServiceUrl;
            config.AuthenticationRegion = _options.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(_options.Region);
        }

        _client = _options.AccessKey.Length > 0
            ? new AmazonS3Client(new BasicAWSCredentials(_options.AccessKey, _options.SecretKey), config)
            : new AmazonS3Client(config);
    }

    public void Dispose() => _client.Dispose();

    public async Task<Uri> UploadUrlAsync(string workspaceId, CancellationToken cancellationToken)
    {
        if (_options.CreateBucket && !_bucketReady)
        {
            await CreateBucketAsync(cancellationToken);
        }

        return await PresignAsync(Key(PrebuildIdOf(workspaceId)), HttpVerb.PUT);
    }

    public Task<Uri> DownloadUrlAsync(string prebuildId, CancellationToken cancellationToken) => PresignAsync(Key(prebuildId), HttpVerb.GET);

    public async Task<PrebuildSnapshot> SnapshotAsync(string workspaceId, string checkoutDirectoryName, string prebuildId, long maxBytes, CancellationToken cancellationToken)
    {
        if (PrebuildIdOf(workspaceId) != prebuildId)
        {
            throw new IOException($"The workspace {workspaceId} is not prebuild {prebuildId}'s: its archive is stored under the prebuild's id.");
        }

        long size;
        try
        {
            size = await SizeAsync(Key(prebuildId), cancellationToken)
                ?? throw new IOException($"The prebuild's agent stored no archive of its checkout in the object store (bucket {_options.Bucket}); its log says why.");
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            throw new IOException($"The object store (bucket {_options.Bucket}) did not answer for the prebuild's archive: {Why(e)}", e);
        }

        if (maxBytes > 0 && size > maxBytes)
        {
            await DeleteAsync(prebuildId, CancellationToken.None);
            throw new SnapshotTooLargeException(size, maxBytes);
        }

        LogStored(prebuildId, size);
        return new PrebuildSnapshot(Storage, size, size, 0);
    }

    /// <summary>A workspace that has a Workspace resource has its volume (its files) already.</summary>
    public bool HasCheckout(string workspaceId, string checkoutDirectoryName) => _watch.Informer.Get(workspaceId) is not null;

    /// <summary>Checks that the archive is there; the new workspace's agent downloads it (<see cref="DownloadUrlAsync"/>).</summary>
    public async Task RestoreAsync(string prebuildId, string workspaceId, string checkoutDirectoryName, CancellationToken cancellationToken)
    {
        try
        {
            if (await SizeAsync(Key(prebuildId), cancellationToken) is null)
            {
                throw new SnapshotUnusableException($"The archive of prebuild {prebuildId} is missing from the object store (bucket {_options.Bucket}).");
            }
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            throw new SnapshotUnusableException($"The object store (bucket {_options.Bucket}) did not answer for prebuild {prebuildId}: {Why(e)}", e);
        }
    }

    public async Task DeleteAsync(string prebuildId, CancellationToken cancellationToken) => await DeleteObjectAsync(Key(prebuildId), cancellationToken);

    public async Task<IReadOnlyList<string>> ListSnapshotsAsync(CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = _options.Prefix, Delimiter = "/" };
        try
        {
            ListObjectsV2Response response;
            do
            {
                response = await _client.ListObjectsV2Async(request, cancellationToken);
                ids.AddRange((response.S3Objects ?? [])
                    .Select(o => o.Key[_options.Prefix.Length..])
                    .Where(name => name.EndsWith(Extension, StringComparison.Ordinal))
                    .Select(name => name[..^Extension.Length]));
                request.ContinuationToken = response.NextContinuationToken;
            }
            while (response.IsTruncated == true);
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            throw new IOException($"The object store (bucket {_options.Bucket}) could not list the prebuilds' archives: {Why(e)}", e);
        }

        return ids;
    }

    private const string Extension = ".tar.gz";

    private static bool IsStoreFailure(Exception e) => e is AmazonServiceException or AmazonClientException or HttpRequestException;

    private static string Why(Exception e) => e is AmazonServiceException { ErrorCode: { Length: > 0 } code } ? $"{code} {e.Message}" : e.Message;

    private string Key(string prebuildId) => _options.Prefix + prebuildId + Extension;

    /// <summary>The prebuild a headless workspace runs, from its id (<c>prebuild-{id}</c>).</summary>
    private static string PrebuildIdOf(string workspaceId) =>
        workspaceId.StartsWith(VolumeSnapshotPrebuilds.Name(""), StringComparison.Ordinal) && workspaceId.Length > VolumeSnapshotPrebuilds.Name("").Length
            ? workspaceId[VolumeSnapshotPrebuilds.Name("").Length..]
            : throw new IOException($"The workspace {workspaceId} is not a prebuild's (prebuild-{{id}}), so it has no archive to upload.");

    private async Task<Uri> PresignAsync(string key, HttpVerb verb)
    {
        var request = new GetPreSignedUrlRequest
        {
            BucketName = _options.Bucket,
            Key = key,
            Verb = verb,
            Expires = (_timeProvider.GetUtcNow() + _options.UrlLifetime).UtcDateTime,
            Protocol = _options.ServiceUrl.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? Protocol.HTTP : Protocol.HTTPS,
        };
        if (verb == HttpVerb.PUT)
        {
            request.ContentType = PrebuildArchive.ContentType;
        }

        return new Uri(await _client.GetPreSignedURLAsync(request));
    }

    private async Task CreateBucketAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _client.PutBucketAsync(new PutBucketRequest { BucketName = _options.Bucket }, cancellationToken);
            LogBucketCreated(_options.Bucket);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
            // There already: nothing to do.
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            throw new IOException($"The bucket {_options.Bucket} could not be created in the object store: {Why(e)}", e);
        }

        _bucketReady = true;
    }

    /// <summary>The object's size, or null when there is none.</summary>
    private async Task<long?> SizeAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var metadata = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _options.Bucket, Key = key }, cancellationToken);
            return metadata.ContentLength;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task DeleteObjectAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _options.Bucket, Key = key }, cancellationToken);
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            throw new IOException($"The object store (bucket {_options.Bucket}) could not delete {key}: {Why(e)}", e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bucket {Bucket} created for prebuild archives")]
    private partial void LogBucketCreated(string bucket);

    [LoggerMessage(Level = LogLevel.Information, Message = "Prebuild {PrebuildId} archived in the object store: {SizeBytes} bytes")]
    private partial void LogStored(string prebuildId, long sizeBytes);
}
