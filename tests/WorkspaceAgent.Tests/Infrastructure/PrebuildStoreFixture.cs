using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Workspaces.TestSupport.ObjectStores;
using Workspaces.WorkspaceController.Kubernetes.Prebuilds;
using Workspaces.WorkspaceController.Kubernetes.Runtime;

namespace Workspaces.WorkspaceAgent.Tests.Infrastructure;

/// <summary>
/// An S3-compatible store (s3rver) and the web app's own <see cref="S3PrebuildArchives"/> over it, which signs the
/// archive URLs an agent gets in its bootstrap on a Kubernetes cluster without CSI snapshots.
/// </summary>
public sealed class PrebuildStoreFixture : IAsyncLifetime
{
    private const string Bucket = "prebuilds-agent-test";
    private S3rverServer _s3 = null!;
    private S3PrebuildArchives _archives = null!;

    public IPrebuildArchiveUrls Urls => _archives;

    public async Task InitializeAsync()
    {
        _s3 = await S3rverServer.StartAsync(Bucket);
        var options = new KubernetesPrebuildOptions
        {
            Storage = KubernetesSnapshotStorage.S3,
            S3 = new S3ArchiveOptions { ServiceUrl = _s3.Url.ToString(), Bucket = Bucket, AccessKey = S3rverServer.AccessKey, SecretKey = S3rverServer.SecretKey },
        };

        // Signing URLs never reads Workspace resources: the watch is never started.
        var kubernetes = new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" });
        var watch = new WorkspaceResourceWatch(kubernetes, Options.Create(new KubernetesRuntimeOptions { Namespace = "workspaces" }), TimeProvider.System, NullLogger<WorkspaceResourceWatch>.Instance);
        _archives = new S3PrebuildArchives(Options.Create(options), watch, TimeProvider.System, NullLogger<S3PrebuildArchives>.Instance);
    }

    public async Task DisposeAsync()
    {
        _archives.Dispose();
        await _s3.DisposeAsync();
    }
}
