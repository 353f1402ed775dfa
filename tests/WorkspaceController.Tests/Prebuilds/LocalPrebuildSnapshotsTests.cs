using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Workspaces.TestSupport.Files;
using Workspaces.WorkspaceController.Local;
using Workspaces.WorkspaceController.Prebuilds;

namespace Workspaces.WorkspaceController.Tests.Prebuilds;

/// <summary>
/// The local runtime's prebuild snapshots as archives (tar + zstd), with and without the warm copy that lets a start from
/// a prebuild take the unpacked files with one rename.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LocalPrebuildSnapshotsTests : IDisposable
{
    private const string Checkout = "app";
    private readonly TempDirectory _root = TempDirectory.Create("ws-snapshots");

    private string Workspaces => _root.Combine("workspaces");

    private string Storage => _root.Combine("prebuilds");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Restore_AfterAPrebuild_TakesTheWarmCopyAndUnpacksTheNextInTheBackground()
    {
        var files = Generate("prebuild");
        using var snapshots = Create(keepWarmCopy: true);
        await snapshots.StartAsync(CancellationToken.None);
        var snapshot = await snapshots.SnapshotAsync("prebuild", Checkout, "p1", 0, CancellationToken.None);
        Assert.Equal(files.Count, snapshot.Files);
        Assert.True(Directory.Exists(Path.Combine(Storage, "p1.warm")), "the prebuild's checkout is kept as the first warm copy");

        var nextWarmCopy = WhenRenamedTo("p1.warm");
        await snapshots.RestoreAsync("p1", "first", Checkout, CancellationToken.None);
        AssertRestored("first", files);
        Assert.False(Directory.Exists(Path.Combine(Storage, "p1.warm")), "the start took the warm copy");

        await nextWarmCopy.WaitAsync(TimeSpan.FromSeconds(60));
        await snapshots.RestoreAsync("p1", "second", Checkout, CancellationToken.None);
        AssertRestored("second", files);
        await snapshots.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Restore_WarmCopyTakenByAnotherStart_UnpacksTheArchive()
    {
        var files = Generate("prebuild");
        using var snapshots = Create(keepWarmCopy: true);
        await snapshots.SnapshotAsync("prebuild", Checkout, "p1", 0, CancellationToken.None);

        // Not started: nothing refills the warm copy, as when two starts come within moments of each other.
        await snapshots.RestoreAsync("p1", "first", Checkout, CancellationToken.None);
        await snapshots.RestoreAsync("p1", "second", Checkout, CancellationToken.None);

        AssertRestored("first", files);
        AssertRestored("second", files);
    }

    [Fact]
    public async Task Restore_WithoutWarmCopies_UnpacksTheArchiveAndLeavesThePrebuildsCheckout()
    {
        var files = Generate("prebuild");
        using var snapshots = Create(keepWarmCopy: false);
        await snapshots.SnapshotAsync("prebuild", Checkout, "p1", 0, CancellationToken.None);

        await snapshots.RestoreAsync("p1", "first", Checkout, CancellationToken.None);

        AssertRestored("first", files);
        Assert.True(Directory.Exists(Path.Combine(Workspaces, "prebuild", Checkout)));
        Assert.False(Directory.Exists(Path.Combine(Storage, "p1.warm")));
    }

    [Fact]
    public async Task Restore_CorruptArchiveAndNoWarmCopy_SaysTheSnapshotCannotBeRestoredAndLeavesNothingBehind()
    {
        Generate("prebuild");
        using var snapshots = Create(keepWarmCopy: true);
        await snapshots.SnapshotAsync("prebuild", Checkout, "p1", 0, CancellationToken.None);
        Directory.Delete(Path.Combine(Storage, "p1.warm"), recursive: true);
        await using (var archive = new FileStream(Path.Combine(Storage, "p1.tar.zst"), FileMode.Open, FileAccess.ReadWrite))
        {
            archive.Seek(archive.Length / 2, SeekOrigin.Begin);
            await archive.WriteAsync(new byte[64]);
        }

        var error = await Assert.ThrowsAsync<SnapshotUnusableException>(() => snapshots.RestoreAsync("p1", "first", Checkout, CancellationToken.None));

        Assert.Contains("p1", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Workspaces, "first", Checkout)));
        Assert.False(Directory.Exists(Path.Combine(Workspaces, "first", ".prebuild-restore")));
    }

    [Fact]
    public async Task Delete_WithAWarmCopy_RemovesItWithTheSnapshot()
    {
        Generate("prebuild");
        using var snapshots = Create(keepWarmCopy: true);
        await snapshots.SnapshotAsync("prebuild", Checkout, "p1", 0, CancellationToken.None);

        await snapshots.DeleteAsync("p1", CancellationToken.None);

        Assert.Empty(Directory.EnumerateFileSystemEntries(Storage));
        Assert.Empty(await snapshots.ListSnapshotsAsync(CancellationToken.None));
        await Assert.ThrowsAsync<SnapshotUnusableException>(() => snapshots.RestoreAsync("p1", "first", Checkout, CancellationToken.None));
    }

    private LocalPrebuildSnapshots Create(bool keepWarmCopy) => new(
        Options.Create(new LocalSnapshotOptions { Directory = Storage, Mode = SnapshotStorageMode.Archive, KeepWarmCopy = keepWarmCopy }),
        Options.Create(new LocalRuntimeOptions { WorkspacesDirectory = Workspaces }),
        NullLogger<LocalPrebuildSnapshots>.Instance);

    /// <summary>A checkout as a prebuild leaves it: sources, Git's directory, a node_modules tree; relative path → contents.</summary>
    private Dictionary<string, string> Generate(string workspaceId)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal) { [".git/HEAD"] = "ref: refs/heads/main\n", ["index.js"] = "console.log('app');\n" };
        for (var i = 0; i < 300; i++)
        {
            files[$"node_modules/pkg-{i / 50}/lib/file-{i}.js"] = $"module.exports = {i};\n";
        }

        foreach (var (path, contents) in files)
        {
            var full = Path.Combine(Workspaces, workspaceId, Checkout, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, contents);
        }

        return files;
    }

    private void AssertRestored(string workspaceId, Dictionary<string, string> files)
    {
        var checkout = Path.Combine(Workspaces, workspaceId, Checkout);
        var restored = Directory.EnumerateFiles(checkout, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .ToDictionary(f => Path.GetRelativePath(checkout, f), File.ReadAllText, StringComparer.Ordinal);
        Assert.Equal(files.OrderBy(f => f.Key, StringComparer.Ordinal), restored.OrderBy(f => f.Key, StringComparer.Ordinal));
    }

    /// <summary>Completes when a directory in the snapshot storage is renamed to <paramref name="name"/> (a warm copy became ready).</summary>
    private Task WhenRenamedTo(string name)
    {
        Directory.CreateDirectory(Storage);
        var renamed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = new FileSystemWatcher(Storage) { NotifyFilter = NotifyFilters.DirectoryName, EnableRaisingEvents = true };
        watcher.Renamed += (_, e) =>
        {
            if (e.Name == name)
            {
                renamed.TrySetResult();
            }
        };
        return renamed.Task.ContinueWith(_ => watcher.Dispose(), TaskScheduler.Default);
    }
}
