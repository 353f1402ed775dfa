using System.Formats.Tar;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workspaces.WorkspaceController.Local;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Workspaces.WorkspaceController.Prebuilds;

/// <summary>
/// Snapshots under <see cref="LocalSnapshotOptions.Directory"/>: per prebuild a manifest (<c>{id}.json</c>) and either a
/// tree of copy-on-write clones (<c>{id}.tree/</c>, when the filesystem has reflinks) or a tar archive compressed with zstd
/// and its frame checksum (<c>{id}.tar.zst</c>). The manifest is written last, so a snapshot without one never counts.
/// Beside it, unless <see cref="LocalSnapshotOptions.KeepWarmCopy"/> is off, a warm copy (<c>{id}.warm/</c>): the snapshot
/// already unpacked, which a start takes with one rename; a new one is unpacked in the background after each start.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class LocalPrebuildSnapshots(IOptions<LocalSnapshotOptions> options, IOptions<LocalRuntimeOptions> local, ILogger<LocalPrebuildSnapshots> logger)
    : BackgroundService, IPrebuildSnapshots
{
    public const string Reflink = "reflink";
    public const string Archive = "archive";
    private readonly Channel<string> _toWarm = Channel.CreateBounded<string>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Lazy<bool> _reflinks = new(() => options.Value.Mode switch
    {
        SnapshotStorageMode.Archive => false,
        SnapshotStorageMode.Reflink => true,
        _ => FileClone.IsSupported(local.Value.WorkspacesDirectory, options.Value.Directory),
    });

    private string Root => options.Value.Directory;

    /// <summary>How new snapshots are stored here.</summary>
    public string Storage => _reflinks.Value ? Reflink : Archive;

    public async Task<PrebuildSnapshot> SnapshotAsync(string workspaceId, string checkoutDirectoryName, string prebuildId, long maxBytes, CancellationToken cancellationToken)
    {
        var checkout = CheckoutOf(workspaceId, checkoutDirectoryName);
        if (!Directory.Exists(checkout))
        {
            throw new IOException("The prebuild left no checkout to snapshot.");
        }

        var (size, files) = Measure(checkout);
        if (maxBytes > 0 && size > maxBytes)
        {
            throw new SnapshotTooLargeException(size, maxBytes);
        }

        Directory.CreateDirectory(Root);
        await DeleteAsync(prebuildId, cancellationToken);
        PrebuildSnapshot snapshot;
        if (_reflinks.Value)
        {
            var cloned = await Task.Run(() => FileClone.CloneTree(checkout, TreePath(prebuildId), cancellationToken), cancellationToken);
            snapshot = new PrebuildSnapshot(Reflink, size, size, cloned);
        }
        else
        {
            var temporary = ArchivePath(prebuildId) + ".partial";
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            await using (var zstd = new CompressionStream(file, options.Value.CompressionLevel))
            {
                // The frame checksum makes a corrupted archive fail to restore instead of restoring wrong bytes.
                zstd.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
                await WriteTarAsync(checkout, zstd, cancellationToken);
            }

            File.Move(temporary, ArchivePath(prebuildId), overwrite: true);
            snapshot = new PrebuildSnapshot(Archive, size, new FileInfo(ArchivePath(prebuildId)).Length, files);
        }

        await File.WriteAllTextAsync(ManifestPath(prebuildId), JsonSerializer.Serialize(snapshot), cancellationToken);
        LogSnapshotted(prebuildId, snapshot.Storage, snapshot.SizeBytes, snapshot.Files);
        KeepAsWarmCopy(checkout, prebuildId);
        return snapshot;
    }

    /// <summary>
    /// The stopped prebuild's checkout is what the snapshot holds, file for file, and its workspace is deleted next: it
    /// becomes the first warm copy for free (one rename; on another filesystem, unpacked in the background instead).
    /// </summary>
    private void KeepAsWarmCopy(string checkout, string prebuildId)
    {
        if (!options.Value.KeepWarmCopy)
        {
            return;
        }

        try
        {
            DeleteDirectory(WarmPath(prebuildId));
            Directory.Move(checkout, WarmPath(prebuildId));
        }
        catch (IOException)
        {
            _toWarm.Writer.TryWrite(prebuildId);
        }
    }

    public bool HasCheckout(string workspaceId, string checkoutDirectoryName) => Directory.Exists(CheckoutOf(workspaceId, checkoutDirectoryName));

    public async Task RestoreAsync(string prebuildId, string workspaceId, string checkoutDirectoryName, CancellationToken cancellationToken)
    {
        var manifest = ReadManifest(prebuildId) ?? throw new SnapshotUnusableException($"The snapshot of prebuild {prebuildId} is missing.");
        var workspace = Path.Combine(local.Value.WorkspacesDirectory, workspaceId);
        var temporary = Path.Combine(workspace, ".prebuild-restore");
        DeleteDirectory(temporary);
        Directory.CreateDirectory(workspace);
        if (TakeWarmCopy(prebuildId, CheckoutOf(workspaceId, checkoutDirectoryName)))
        {
            _toWarm.Writer.TryWrite(prebuildId);
            return;
        }

        try
        {
            await UnpackAsync(prebuildId, manifest, temporary, cancellationToken);
            Directory.Move(temporary, CheckoutOf(workspaceId, checkoutDirectoryName));
        }
        catch (Exception e) when (IsUnusable(e))
        {
            DeleteDirectory(temporary);
            throw e as SnapshotUnusableException ?? new SnapshotUnusableException($"The snapshot of prebuild {prebuildId} could not be restored: {e.Message}", e);
        }

        _toWarm.Writer.TryWrite(prebuildId);
    }

    /// <summary>Moves the warm copy into place; false when there is none (taken by a start a moment ago, or never made).</summary>
    private bool TakeWarmCopy(string prebuildId, string checkout)
    {
        if (!options.Value.KeepWarmCopy)
        {
            return false;
        }

        try
        {
            Directory.Move(WarmPath(prebuildId), checkout);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Unpacks the snapshot into <paramref name="destination"/> (a new directory) and checks that every file arrived.</summary>
    private async Task UnpackAsync(string prebuildId, PrebuildSnapshot manifest, string destination, CancellationToken cancellationToken)
    {
        int files;
        if (manifest.Storage == Reflink)
        {
            if (!Directory.Exists(TreePath(prebuildId)))
            {
                throw new SnapshotUnusableException($"The snapshot of prebuild {prebuildId} is missing.");
            }

            files = await Task.Run(() => FileClone.CloneTree(TreePath(prebuildId), destination, cancellationToken), cancellationToken);
        }
        else
        {
            Directory.CreateDirectory(destination);

            // Synchronous file I/O on a worker thread: tens of thousands of small files unpack faster than with async streams.
            files = await Task.Run(
                () =>
                {
                    using (var file = new FileStream(ArchivePath(prebuildId), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
                    using (var zstd = new DecompressionStream(file))
                    {
                        TarFile.ExtractToDirectory(zstd, destination, overwriteFiles: false);

                        // The reader stops at the end-of-archive blocks; the frame's checksum is checked only at its end.
                        zstd.CopyTo(Stream.Null);
                    }

                    return Measure(destination).Files;
                },
                cancellationToken);
        }

        if (files != manifest.Files)
        {
            throw new SnapshotUnusableException($"The snapshot of prebuild {prebuildId} is incomplete: {files} of {manifest.Files} files.");
        }
    }

    /// <summary>Unpacks warm copies one at a time, after the start that took the last one.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var prebuildId in _toWarm.Reader.ReadAllAsync(stoppingToken))
        {
            var warming = Path.Combine(Root, prebuildId + ".warming");
            try
            {
                if (Directory.Exists(WarmPath(prebuildId)) || ReadManifest(prebuildId) is not { } manifest)
                {
                    continue;
                }

                DeleteDirectory(warming);
                await UnpackAsync(prebuildId, manifest, warming, stoppingToken);

                // Deleted (retention) while unpacking: nothing to keep warm.
                if (ReadManifest(prebuildId) is null)
                {
                    DeleteDirectory(warming);
                    continue;
                }

                Directory.Move(warming, WarmPath(prebuildId));
            }
            catch (Exception e) when (IsUnusable(e))
            {
                // The next start unpacks the snapshot itself and says what is wrong with it.
                DeleteDirectory(warming);
                LogWarmCopyFailed(prebuildId, e.Message);
            }
        }
    }

    private static bool IsUnusable(Exception e) =>
        e is IOException or InvalidDataException or ZstdException or FormatException or UnauthorizedAccessException or SnapshotUnusableException;

    private static void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    public Task DeleteAsync(string prebuildId, CancellationToken cancellationToken)
    {
        File.Delete(ManifestPath(prebuildId));
        File.Delete(ArchivePath(prebuildId));
        File.Delete(ArchivePath(prebuildId) + ".partial");
        DeleteDirectory(TreePath(prebuildId));
        DeleteDirectory(WarmPath(prebuildId));
        DeleteDirectory(Path.Combine(Root, prebuildId + ".warming"));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListSnapshotsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>(
        !Directory.Exists(Root) ? [] :
        [.. Directory.EnumerateFileSystemEntries(Root)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(n => !n.StartsWith('.'))
            .Select(n => n.Split('.')[0])
            .Distinct(StringComparer.Ordinal)]);

    private PrebuildSnapshot? ReadManifest(string prebuildId)
    {
        try
        {
            return JsonSerializer.Deserialize<PrebuildSnapshot>(File.ReadAllText(ManifestPath(prebuildId)));
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    // TarFile.CreateFromDirectory skips hidden entries (.git, dotfiles): every entry is written here, links as links.
    private static async Task WriteTarAsync(string directory, Stream output, CancellationToken cancellationToken)
    {
        await using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        var everything = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos("*", everything))
        {
            await tar.WriteEntryAsync(entry.FullName, Path.GetRelativePath(directory, entry.FullName), cancellationToken);
        }
    }

    /// <summary>The size of a tree's files and their number, never following a link.</summary>
    internal static (long Bytes, int Files) Measure(string directory)
    {
        long bytes = 0;
        var files = 0;
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null)
            {
                continue;
            }

            if (entry is DirectoryInfo)
            {
                var (b, f) = Measure(entry.FullName);
                bytes += b;
                files += f;
            }
            else if (entry is FileInfo file)
            {
                bytes += file.Length;
                files++;
            }
        }

        return (bytes, files);
    }

    private string CheckoutOf(string workspaceId, string checkoutDirectoryName) => Path.Combine(local.Value.WorkspacesDirectory, workspaceId, checkoutDirectoryName);

    private string ManifestPath(string prebuildId) => Path.Combine(Root, prebuildId + ".json");

    private string ArchivePath(string prebuildId) => Path.Combine(Root, prebuildId + ".tar.zst");

    private string TreePath(string prebuildId) => Path.Combine(Root, prebuildId + ".tree");

    private string WarmPath(string prebuildId) => Path.Combine(Root, prebuildId + ".warm");

    [LoggerMessage(Level = LogLevel.Information, Message = "Snapshot of prebuild {PrebuildId} stored as {Storage}: {SizeBytes} bytes in {Files} files")]
    private partial void LogSnapshotted(string prebuildId, string storage, long sizeBytes, int files);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No warm copy of prebuild {PrebuildId}: {Reason}")]
    private partial void LogWarmCopyFailed(string prebuildId, string reason);
}
