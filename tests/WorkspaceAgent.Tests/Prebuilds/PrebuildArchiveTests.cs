using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;
using Workspaces.Shared.Prebuilds;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.WorkspaceAgent.Cloning;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.Prebuilds;

/// <summary>
/// Prebuilds kept as archives in an S3-compatible store (Kubernetes without CSI snapshots), as the agent moves them
/// through the presigned URLs the web app's <c>S3PrebuildArchives</c> signs: a headless prebuild uploads its checkout
/// before Ready, a new workspace restores it before it would clone, and clones (running init) when it cannot.
/// </summary>
public sealed class PrebuildArchiveTests(PrebuildStoreFixture store) : IClassFixture<PrebuildStoreFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const string SecretContent = "s3cr3t-value-of-the-project-5d1e";

    /// <summary>What init leaves: a build output (untracked) and a line per run.</summary>
    private static readonly WorkspaceConfig Init = TestConfigs.WithTasks(TestConfigs.Task(
        name: "build",
        init: "mkdir -p build && echo \"built $(git rev-parse --short HEAD)\" > build/output.txt && echo ran >> init-runs.log"));

    private readonly TempDirectory _root = TempDirectory.Create("ws-prebuild-archive");
    private SmartHttpGitServer _git = null!;
    private GitTestRepository _repository = null!;

    private string RepositoryUrl => _git.RepositoryUrl("org/app");

    public async Task InitializeAsync()
    {
        _git = await SmartHttpGitServer.StartAsync();
        _repository = await _git.CreateRepositoryAsync("org/app", new GitRepositoryBuilder().WithFile("README.md", "# App\n").Commit("Initial commit"));
    }

    public async Task DisposeAsync()
    {
        await _git.DisposeAsync();
        _root.Dispose();
    }

    [Fact]
    public async Task HeadlessPrebuild_ArchiveUrl_UploadsTheCheckoutWithInitsOutputBeforeReady()
    {
        var prebuildId = NewPrebuildId();

        var (status, workspace) = await RunPrebuildAsync(prebuildId);

        Assert.Equal(WorkspacePhase.Ready, status.Phase);
        var entries = await ArchiveEntriesAsync(prebuildId);
        Assert.Equal($"built {status.Prebuild!.Commit[..7]}\n", entries["build/output.txt"]);
        Assert.Equal("# App\n", entries["README.md"]);
        Assert.Contains(".git/HEAD", entries.Keys);
        Assert.DoesNotContain(entries.Keys, e => e.StartsWith(".workspace", StringComparison.Ordinal) || e.StartsWith("..", StringComparison.Ordinal) || e.Contains("secret", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(entries.Values, content => content.Contains(SecretContent, StringComparison.Ordinal));
        // The secret file was written for init, outside the checkout.
        Assert.True(File.Exists(Path.Combine(new WorkspaceLayout(workspace, "repo").SecretsDirectory, "NPM_TOKEN")));
    }

    [Fact]
    public async Task HeadlessPrebuild_PrivateRepository_TheArchiveHoldsNoGitCredential()
    {
        var alice = new GitServerCredential("alice", "token-of-alice-7c2f");
        await _git.CreateRepositoryAsync("org/private", new GitRepositoryBuilder().WithFile("README.md", "# Private\n").Commit("Initial commit"), alice);
        var prebuildId = NewPrebuildId();

        await RunPrebuildAsync(prebuildId, _git.RepositoryUrl("org/private"), new GitCredential(alice.Username, alice.Password));

        // Every workspace of the project restores this archive, whoever started the prebuild.
        var entries = await ArchiveEntriesAsync(prebuildId);
        Assert.Equal("# Private\n", entries["README.md"]);
        Assert.DoesNotContain(entries, e => e.Value.Contains(alice.Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task HeadlessPrebuild_StoreRefusesTheUpload_FailsInsteadOfReady()
    {
        var upload = await store.Urls.UploadUrlAsync("prebuild-" + NewPrebuildId(), CancellationToken.None);
        // A URL for a bucket that does not exist: the store answers NoSuchBucket.
        var refused = new Uri(upload.AbsoluteUri.Replace("/prebuilds-agent-test/", "/no-such-bucket/", StringComparison.Ordinal));
        var bootstrap = TestBootstraps.Create(_root.Combine("refused"), RepositoryUrl) with
        {
            WorkspaceId = "prebuild-refused",
            Prebuild = new PrebuildBootstrap(true, null, null, null, 0, 0) { ArchiveUrl = refused },
        };
        await using var agent = await AgentTestHost.StartAsync(bootstrap, Init);

        var status = await agent.Client.WaitForSettledAsync(Timeout);

        Assert.Equal(WorkspacePhase.Failed, status.Phase);
        Assert.Contains("NoSuchBucket", status.Error!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Amz-Signature", status.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartFromPrebuild_ArchiveUrl_RestoresBeforeCloningSkipsInitAndChecksOutTheBranchHead()
    {
        var prebuildId = NewPrebuildId();
        var (prebuilt, _) = await RunPrebuildAsync(prebuildId);
        var head = await PushCommitAsync("NEWS.md", "Released\n");
        var bootstrap = TestBootstraps.Create(_root.Combine("from-prebuild"), RepositoryUrl, branch: "main") with
        {
            WorkspaceId = "from-prebuild",
            Prebuild = new PrebuildBootstrap(false, null, prebuildId, prebuilt.Prebuild!.Commit, 100, 12)
            {
                ArchiveUrl = await store.Urls.DownloadUrlAsync(prebuildId, CancellationToken.None),
            },
        };

        await using var agent = await AgentTestHost.StartAsync(bootstrap, Init);
        var status = await agent.Client.WaitForSettledAsync(Timeout);

        Assert.Equal(WorkspacePhase.Ready, status.Phase);
        Assert.Equal((true, prebuildId, head, 1), (status.Prebuild!.Used, status.Prebuild.FromPrebuildId, status.Prebuild.Commit, status.Prebuild.CommitsBehind));
        var checkout = agent.Layout.CheckoutDirectory;
        Assert.Equal($"built {prebuilt.Prebuild.Commit[..7]}\n", await File.ReadAllTextAsync(Path.Combine(checkout, "build", "output.txt")));
        Assert.Equal("ran\n", await File.ReadAllTextAsync(Path.Combine(checkout, "init-runs.log")));
        Assert.Equal("Released\n", await File.ReadAllTextAsync(Path.Combine(checkout, "NEWS.md")));
        Assert.Equal(head, (await GitCli.RunAsync(checkout, "rev-parse", "HEAD")).Trim());
        Assert.Equal("main", (await GitCli.RunAsync(checkout, "rev-parse", "--abbrev-ref", "HEAD")).Trim());
        var (log, _) = await agent.Client.GetTaskLogAsync(0);
        Assert.Contains($"--- init: done from prebuild {prebuilt.Prebuild.Commit[..6]} (1 commit behind), restored in 12 ms; skipped ---", log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing", "missing from the object store")]
    [InlineData("corrupt", "could not be restored")]
    public async Task StartFromPrebuild_ArchiveUnusable_ClonesRunsInitAndSaysThePrebuildWasNotUsed(string archive, string reason)
    {
        var prebuildId = NewPrebuildId();
        if (archive == "corrupt")
        {
            using var http = new HttpClient();
            using var garbage = new ByteArrayContent([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
            garbage.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(PrebuildArchive.ContentType);
            (await http.PutAsync(await store.Urls.UploadUrlAsync("prebuild-" + prebuildId, CancellationToken.None), garbage)).EnsureSuccessStatusCode();
        }

        var bootstrap = TestBootstraps.Create(_root.Combine(archive), RepositoryUrl, branch: "main") with
        {
            WorkspaceId = "unusable-" + archive,
            Prebuild = new PrebuildBootstrap(false, null, prebuildId, "0123456789abcdef0123456789abcdef01234567", 100, 5)
            {
                ArchiveUrl = await store.Urls.DownloadUrlAsync(prebuildId, CancellationToken.None),
            },
        };

        await using var agent = await AgentTestHost.StartAsync(bootstrap, Init);
        var status = await agent.Client.WaitForSettledAsync(Timeout);

        Assert.Equal(WorkspacePhase.Ready, status.Phase);
        Assert.False(status.Prebuild!.Used);
        Assert.StartsWith("Prebuild 012345 was not used: ", status.Prebuild.Note, StringComparison.Ordinal);
        Assert.Contains(reason, status.Prebuild.Note, StringComparison.Ordinal);
        Assert.EndsWith("the repository was cloned instead.", status.Prebuild.Note, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Amz-Signature", status.Prebuild.Note, StringComparison.Ordinal);
        var checkout = agent.Layout.CheckoutDirectory;
        Assert.Equal("ran\n", await File.ReadAllTextAsync(Path.Combine(checkout, "init-runs.log")));
        Assert.Equal(status.Prebuild.Commit, (await GitCli.RunAsync(checkout, "rev-parse", "HEAD")).Trim());
        Assert.False(Directory.Exists(checkout + ".prebuild-restore"));
        var (log, _) = await agent.Client.GetTaskLogAsync(0);
        Assert.Contains("--- init exited with code 0 ---", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CloneOnly_StartFromPrebuildArchive_StepsAsideForTheAgentsRestore()
    {
        var prebuildId = NewPrebuildId();
        var (prebuilt, _) = await RunPrebuildAsync(prebuildId);
        var bootstrap = TestBootstraps.Create(_root.Combine("init-container"), RepositoryUrl, branch: "main") with
        {
            WorkspaceId = "init-container",
            Prebuild = new PrebuildBootstrap(false, null, prebuildId, prebuilt.Prebuild!.Commit, 100, 7)
            {
                ArchiveUrl = await store.Urls.DownloadUrlAsync(prebuildId, CancellationToken.None),
            },
        };
        var layout = TestBootstraps.LayoutOf(bootstrap);

        // The pod's clone init container, from the bootstrap the controller mounts.
        var (code, output) = await RunCloneOnlyAsync(bootstrap);

        Assert.Equal(0, code);
        Assert.Contains("left to the agent, which restores the prebuild's archive", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(layout.CheckoutDirectory));

        // Then the agent container: it restores the archive, so init's output is there without running init again.
        await using var agent = await AgentTestHost.StartAsync(bootstrap, Init);
        var status = await agent.Client.WaitForSettledAsync(Timeout);
        Assert.Equal((WorkspacePhase.Ready, true), (status.Phase, status.Prebuild!.Used));
        Assert.Equal("ran\n", await File.ReadAllTextAsync(Path.Combine(layout.CheckoutDirectory, "init-runs.log")));

        // A restart of the pod after the restore: the init container keeps the restored checkout as it is.
        (code, output) = await RunCloneOnlyAsync(bootstrap);
        Assert.Equal(0, code);
        Assert.Contains("checkout ready: ExistingCheckout", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(layout.CheckoutDirectory, "build", "output.txt")));
    }

    private static string NewPrebuildId() => Guid.NewGuid().ToString("N")[..12];

    /// <summary>A headless prebuild with an upload URL and a secret file, run to its end.</summary>
    private async Task<(AgentStatus Status, string WorkspaceDirectory)> RunPrebuildAsync(string prebuildId, string? repositoryUrl = null, GitCredential? credential = null)
    {
        var workspace = _root.Combine("prebuild-" + prebuildId);
        var bootstrap = TestBootstraps.Create(workspace, repositoryUrl ?? RepositoryUrl, credential: credential) with
        {
            WorkspaceId = "prebuild-" + prebuildId,
            Files = [new WorkspaceFile("NPM_TOKEN", SecretContent)],
            Prebuild = new PrebuildBootstrap(true, null, null, null, 0, 0)
            {
                ArchiveUrl = await store.Urls.UploadUrlAsync("prebuild-" + prebuildId, CancellationToken.None),
            },
        };
        await using var agent = await AgentTestHost.StartAsync(bootstrap, Init);
        var status = await agent.Client.WaitForSettledAsync(Timeout);
        Assert.True(status.Phase == WorkspacePhase.Ready, $"The prebuild ended {status.Phase}: {status.Error?.Message}");
        return (status, workspace);
    }

    /// <summary>Every entry of the stored archive (files with their text), downloaded through the web app's URL.</summary>
    private async Task<Dictionary<string, string>> ArchiveEntriesAsync(string prebuildId)
    {
        using var http = new HttpClient();
        await using var body = await http.GetStreamAsync(await store.Urls.DownloadUrlAsync(prebuildId, CancellationToken.None));
        await using var gzip = new GZipStream(body, CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await tar.GetNextEntryAsync() is { } entry)
        {
            var text = "";
            if (entry.DataStream is { } data)
            {
                using var reader = new StreamReader(data);
                text = await reader.ReadToEndAsync();
            }

            entries[entry.Name.TrimEnd('/')] = text;
        }

        return entries;
    }

    /// <summary>Commits a file on <c>main</c> in the server's repository; returns the new head.</summary>
    private async Task<string> PushCommitAsync(string file, string content)
    {
        var clone = _root.Combine("pusher-" + Guid.NewGuid().ToString("N")[..8]);
        await GitCli.RunAsync(_root.Path, "clone", "-q", _repository.Path, clone);
        await File.WriteAllTextAsync(Path.Combine(clone, file), content);
        await GitCli.RunAsync(clone, "add", file);
        await GitCli.RunAsync(clone, "commit", "-q", "-m", "Add " + file);
        await GitCli.RunAsync(clone, "push", "-q", "origin", "HEAD:main");
        return (await GitCli.RunAsync(clone, "rev-parse", "HEAD")).Trim();
    }

    private async Task<(int Code, string Output)> RunCloneOnlyAsync(AgentBootstrap bootstrap)
    {
        var file = _root.Combine(bootstrap.WorkspaceId + "-bootstrap.json");
        await File.WriteAllBytesAsync(file, JsonSerializer.SerializeToUtf8Bytes(bootstrap, AgentJson.Options));
        var start = new ProcessStartInfo(AgentBinary.Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { CloneOnlyCommand.Switch, "--bootstrap-file", file })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
