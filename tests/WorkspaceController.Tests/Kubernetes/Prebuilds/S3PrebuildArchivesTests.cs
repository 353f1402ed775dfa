using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Workspaces.Shared.Prebuilds;
using Workspaces.TestSupport.ObjectStores;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Prebuilds;
using Workspaces.WorkspaceController.Kubernetes.Runtime;
using Workspaces.WorkspaceController.Prebuilds;
using Workspaces.WorkspaceController.Runtime;
using Workspaces.WorkspaceController.Tests.Controller;

namespace Workspaces.WorkspaceController.Tests.Kubernetes.Prebuilds;

/// <summary>
/// Prebuilds kept as archives in an S3-compatible store (a cluster without CSI snapshots), against an S3 server over
/// HTTP (s3rver from npm; it checks the access key of every request and presigned URL, not the V4 signature itself):
/// the runtime seals presigned URLs into the agents' bootstraps, the archive travels through them as the agent moves
/// it, and the web app's SDK client checks, lists and deletes it.
/// </summary>
public sealed class S3PrebuildArchivesTests
{
    private const string Ns = ControllerHarness.Namespace;
    private const string Bucket = "prebuilds-test";

    [Fact]
    public async Task Prebuild_ThroughPresignedUrls_TheNewWorkspaceGetsTheSameCheckout()
    {
        await using var s3 = await S3rverServer.StartAsync(Bucket);
        await using var h = await ControllerHarness.StartAsync();
        using var web = await StartWebAsync(h, s3);
        var runtime = web.Services.GetRequiredService<IWorkspaceRuntime>();
        var snapshots = web.Services.GetRequiredService<IPrebuildSnapshots>();
        var checkout = CreateCheckout();
        var restored = Path.Combine(Path.GetTempPath(), "restored-" + Guid.NewGuid().ToString("N"), "app");
        using var http = new HttpClient();
        try
        {
            // The headless prebuild: its agent gets an upload URL and PUTs the checkout once init is done.
            await runtime.StartAsync(Launch("prebuild-a1b2c3") with { Prebuild = new PrebuildBootstrap(true, "3f2a1c9d", null, null, 0, 0) }, CancellationToken.None);
            var upload = ArchiveUrl(h, "prebuild-a1b2c3");
            var resource = h.Server.Get("workspaces.dev/workspaces", Ns, "prebuild-a1b2c3")!.ToJsonString();
            await PrebuildArchive.UploadAsync(http, upload, checkout, Path.Combine(checkout, "..", "scratch"), CancellationToken.None);
            await runtime.StopAsync("prebuild-a1b2c3", CancellationToken.None);
            var snapshot = await snapshots.SnapshotAsync("prebuild-a1b2c3", "app", "a1b2c3", 1L << 30, CancellationToken.None);
            await runtime.DeleteAsync("prebuild-a1b2c3", CancellationToken.None);

            // A new workspace: the archive is checked, its agent gets a download URL, and no volume snapshot is involved.
            await snapshots.RestoreAsync("a1b2c3", "web-s3", "app", CancellationToken.None);
            await runtime.StartAsync(Launch("web-s3") with { Prebuild = new PrebuildBootstrap(false, null, "a1b2c3", "3f2a1c9d", 100, 3) }, CancellationToken.None);
            var download = ArchiveUrl(h, "web-s3");
            await PrebuildArchive.DownloadAsync(http, download, restored, CancellationToken.None);

            // The URL is a credential: sealed in the Workspace resource, never in its plain spec.
            Assert.Contains("X-Amz-Signature=", upload.Query, StringComparison.Ordinal);
            Assert.DoesNotContain("X-Amz-Signature", resource, StringComparison.Ordinal);
            Assert.Contains("\"headless\":true", resource, StringComparison.Ordinal);
            Assert.Equal(S3PrebuildArchives.Storage, snapshot.Storage);
            Assert.True(snapshot.SizeBytes > 0);
            Assert.Equal(["a1b2c3"], await snapshots.ListSnapshotsAsync(CancellationToken.None));
            Assert.Equal("a1b2c3", (string?)Bootstrap(h, "web-s3")["prebuild"]!["fromPrebuildId"]);
            Assert.Null(h.Server.Get("/persistentvolumeclaims", Ns, "ws-web-s3")!["spec"]!["dataSource"]);
            Assert.Equal(Tree(checkout), Tree(restored));
            Assert.Equal("node_modules/dep/index.js", new FileInfo(Path.Combine(restored, "link")).LinkTarget);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(checkout)!, recursive: true);
            if (Directory.Exists(Path.GetDirectoryName(restored)))
            {
                Directory.Delete(Path.GetDirectoryName(restored)!, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Retention_DeletedPrebuild_ItsArchiveIsGoneAndCannotBeRestored()
    {
        await using var s3 = await S3rverServer.StartAsync(Bucket);
        await using var h = await ControllerHarness.StartAsync();
        using var web = await StartWebAsync(h, s3);
        var snapshots = web.Services.GetRequiredService<IPrebuildSnapshots>();
        var urls = web.Services.GetRequiredService<IPrebuildArchiveUrls>();
        using var http = new HttpClient();
        var checkout = CreateCheckout();
        try
        {
            await PrebuildArchive.UploadAsync(http, await urls.UploadUrlAsync("prebuild-0dd001", CancellationToken.None), checkout, Path.Combine(checkout, "..", "scratch"), CancellationToken.None);
            await snapshots.SnapshotAsync("prebuild-0dd001", "app", "0dd001", 1L << 30, CancellationToken.None);

            await snapshots.DeleteAsync("0dd001", CancellationToken.None);

            Assert.Empty(await snapshots.ListSnapshotsAsync(CancellationToken.None));
            var e = await Assert.ThrowsAsync<SnapshotUnusableException>(() => snapshots.RestoreAsync("0dd001", "web-gone", "app", CancellationToken.None));
            Assert.Contains("missing from the object store", e.Message, StringComparison.Ordinal);
            var target = Path.Combine(Path.GetDirectoryName(checkout)!, "restored");
            var url = await urls.DownloadUrlAsync("0dd001", CancellationToken.None);
            var download = await Assert.ThrowsAsync<IOException>(() => PrebuildArchive.DownloadAsync(http, url, target, CancellationToken.None));
            Assert.Contains("missing", download.Message, StringComparison.Ordinal);
            Assert.False(Directory.Exists(target));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(checkout)!, recursive: true);
        }
    }

    [Fact]
    public async Task Snapshot_AgentUploadedNothing_FailsSayingSo()
    {
        await using var s3 = await S3rverServer.StartAsync(Bucket);
        await using var h = await ControllerHarness.StartAsync();
        using var web = await StartWebAsync(h, s3);
        var snapshots = web.Services.GetRequiredService<IPrebuildSnapshots>();

        var e = await Assert.ThrowsAsync<IOException>(() => snapshots.SnapshotAsync("prebuild-e0e0e0", "app", "e0e0e0", 1L << 30, CancellationToken.None));

        Assert.Contains("stored no archive", e.Message, StringComparison.Ordinal);
        Assert.Empty(await snapshots.ListSnapshotsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Snapshot_ArchiveAboveTheLimit_IsRefusedWithItsSizeAndRemoved()
    {
        await using var s3 = await S3rverServer.StartAsync(Bucket);
        await using var h = await ControllerHarness.StartAsync();
        using var web = await StartWebAsync(h, s3);
        var snapshots = web.Services.GetRequiredService<IPrebuildSnapshots>();
        var urls = web.Services.GetRequiredService<IPrebuildArchiveUrls>();
        using var http = new HttpClient();
        var checkout = CreateCheckout();
        try
        {
            var size = await PrebuildArchive.UploadAsync(http, await urls.UploadUrlAsync("prebuild-b1b1b1", CancellationToken.None), checkout, Path.Combine(checkout, "..", "scratch"), CancellationToken.None);

            var e = await Assert.ThrowsAsync<SnapshotTooLargeException>(() => snapshots.SnapshotAsync("prebuild-b1b1b1", "app", "b1b1b1", 10, CancellationToken.None));

            Assert.Equal(size, e.SizeBytes);
            Assert.Empty(await snapshots.ListSnapshotsAsync(CancellationToken.None));
            await Assert.ThrowsAsync<IOException>(() => snapshots.SnapshotAsync("prebuild-b1b1b1", "app", "b1b1b1", 1L << 30, CancellationToken.None));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(checkout)!, recursive: true);
        }
    }

    [Fact]
    public async Task Download_CorruptArchive_FailsAndLeavesNoCheckout()
    {
        await using var s3 = await S3rverServer.StartAsync(Bucket);
        await using var h = await ControllerHarness.StartAsync();
        using var web = await StartWebAsync(h, s3);
        var snapshots = web.Services.GetRequiredService<IPrebuildSnapshots>();
        var urls = web.Services.GetRequiredService<IPrebuildArchiveUrls>();
        using var http = new HttpClient();
        using var garbage = new ByteArrayContent(new byte[] { 0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 });
        garbage.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(PrebuildArchive.ContentType);
        (await http.PutAsync(await urls.UploadUrlAsync("prebuild-c0c0c0", CancellationToken.None), garbage)).EnsureSuccessStatusCode();
        await snapshots.SnapshotAsync("prebuild-c0c0c0", "app", "c0c0c0", 1L << 30, CancellationToken.None);
        var target = Path.Combine(Path.GetTempPath(), "corrupt-" + Guid.NewGuid().ToString("N"), "app");

        var url = await urls.DownloadUrlAsync("c0c0c0", CancellationToken.None);
        var e = await Assert.ThrowsAsync<IOException>(() => PrebuildArchive.DownloadAsync(http, url, target, CancellationToken.None));

        Assert.Contains("could not be restored", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task Upload_UrlSignedWithAnUnknownKey_IsRefusedWithTheStoresReason()
    {
        await using var s3 = await S3rverServer.StartAsync(Bucket);
        await using var h = await ControllerHarness.StartAsync();
        using var web = await StartWebAsync(h, s3, accessKey: "NOT-A-KEY");
        var urls = web.Services.GetRequiredService<IPrebuildArchiveUrls>();
        using var http = new HttpClient();
        var checkout = CreateCheckout();
        try
        {
            var url = await urls.UploadUrlAsync("prebuild-f0f0f0", CancellationToken.None);
            var e = await Assert.ThrowsAsync<IOException>(() => PrebuildArchive.UploadAsync(http, url, checkout, Path.Combine(checkout, "..", "scratch"), CancellationToken.None));

            Assert.Contains("InvalidAccessKeyId", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("X-Amz-Signature", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(checkout)!, recursive: true);
        }
    }

    [Fact]
    public async Task NetworkPolicy_PrebuildStoreConfigured_OnlyWorkspacesWithAPrebuildReachTheStore()
    {
        await using var h = await ControllerHarness.StartAsync(startController: false);
        await h.StartControllerAsync(settings: new Dictionary<string, string?>
        {
            ["Workspaces:Controller:PrebuildStore:PodLabels:app.kubernetes.io/component"] = "minio",
            ["Workspaces:Controller:PrebuildStore:Port"] = "9000",
        });
        var prebuild = ControllerHarness.NewWorkspace("prebuild-0e0e0e");
        prebuild.Spec.Prebuild = new WorkspacePrebuild { Headless = true };
        await h.CreateAsync(prebuild);
        await h.CreateAsync(ControllerHarness.NewWorkspace("app-plain"));
        await h.WaitForPhaseAsync("prebuild-0e0e0e", WorkspaceStatusPhase.Running);
        await h.WaitForPhaseAsync("app-plain", WorkspaceStatusPhase.Running);

        JsonArray Egress(string name) => h.Server.Get("networking.k8s.io/networkpolicies", Ns, "ws-" + name)!["spec"]!["egress"]!.AsArray();
        var store = Egress("prebuild-0e0e0e").Single(r => r!["ports"]?[0]?["port"]?.GetValue<int>() == 9000)!;
        Assert.Equal("minio", (string?)store["to"]![0]!["podSelector"]!["matchLabels"]!["app.kubernetes.io/component"]);
        Assert.Equal(Ns, (string?)store["to"]![0]!["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"]);
        Assert.DoesNotContain(Egress("app-plain"), r => r!["ports"]?[0]?["port"]?.GetValue<int>() == 9000);
    }

    /// <summary>A checkout as init leaves it: Git metadata, dotfiles, a dependency tree and a symbolic link.</summary>
    private static string CreateCheckout()
    {
        var checkout = Path.Combine(Path.GetTempPath(), "checkout-" + Guid.NewGuid().ToString("N"), "app");
        Directory.CreateDirectory(Path.Combine(checkout, ".git", "refs"));
        File.WriteAllText(Path.Combine(checkout, ".git", "HEAD"), "ref: refs/heads/main\n");
        File.WriteAllText(Path.Combine(checkout, ".env.example"), "A=1\n");
        for (var i = 0; i < 50; i++)
        {
            var dir = Path.Combine(checkout, "node_modules", i == 0 ? "dep" : $"dep{i}");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "index.js"), i == 0 ? "module.exports = 1;\n" : $"module.exports = {i};\n");
        }

        File.CreateSymbolicLink(Path.Combine(checkout, "link"), "node_modules/dep/index.js");
        return checkout;
    }

    private static List<string> Tree(string directory) =>
        [.. new DirectoryInfo(directory).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(e => Path.GetRelativePath(directory, e.FullName) + (e is FileInfo f && f.LinkTarget is null ? ":" + File.ReadAllText(f.FullName) : ""))
            .Order(StringComparer.Ordinal)];

    private static JsonObject Bootstrap(ControllerHarness h, string workspaceId) =>
        JsonNode.Parse(Convert.FromBase64String((string)h.Server.Get("/secrets", Ns, "ws-" + workspaceId)!["data"]!["bootstrap.json"]!))!.AsObject();

    private static Uri ArchiveUrl(ControllerHarness h, string workspaceId) => new((string)Bootstrap(h, workspaceId)["prebuild"]!["archiveUrl"]!);

    private static WorkspaceLaunch Launch(string id) =>
        new(id, "https://git.example/team/app.git", "main", "app", "secret-" + id, null, new Dictionary<string, string>()) { OwnerId = "user-7" };

    private static async Task<IHost> StartWebAsync(ControllerHarness h, S3rverServer s3, string accessKey = S3rverServer.AccessKey)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Workspaces:Runtime:Kind"] = "Kubernetes",
            ["Workspaces:Runtime:Kubernetes:Namespace"] = Ns,
            ["Workspaces:Runtime:Kubernetes:CredentialKey"] = ControllerHarness.CredentialKey,
            ["Workspaces:Runtime:Kubernetes:StartTimeout"] = "00:00:30",
            ["Workspaces:Runtime:Kubernetes:StopTimeout"] = "00:00:10",
            ["Workspaces:Runtime:Kubernetes:Prebuilds:Storage"] = "S3",
            ["Workspaces:Runtime:Kubernetes:Prebuilds:S3:ServiceUrl"] = s3.Url.ToString(),
            ["Workspaces:Runtime:Kubernetes:Prebuilds:S3:Bucket"] = Bucket,
            ["Workspaces:Runtime:Kubernetes:Prebuilds:S3:AccessKey"] = accessKey,
            ["Workspaces:Runtime:Kubernetes:Prebuilds:S3:SecretKey"] = S3rverServer.SecretKey,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(h.Server.CreateClient(ControllerHarness.WebToken));
        builder.Services.AddKubernetesWorkspaceRuntime(builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
