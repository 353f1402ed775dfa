using System.Formats.Tar;
using System.Text.Json;
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
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class LocalPrebuildSnapshots(IOptions<LocalSnapshotOptions> options, IOptions<LocalRuntimeOptions> local, ILogger<LocalPrebuildSnapshots> logger) : IPrebuildSnapshots
{
    public const string Reflink = "reflink";
    public const string Archive = "archive";
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

        var (size, _) = Measure(checkout);
        if (maxBytes > 0 && size > maxBytes)
        {
            throw new SnapshotTooLargeException(size, maxBytes);
        }

        Directory.CreateDirectory(Root);
        await DeleteAsync(prebuildId, cancellationToken);
        PrebuildSnapshot snapshot;
        if (_reflinks.Value)
        {
            var files = await Task.Run(() => FileClone.CloneTree(checkout, TreePath(prebuildId), cancellationToken), cancellationToken);
            snapshot = new PrebuildSnapshot(Reflink, size, size, files);
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
            snapshot = new PrebuildSnapshot(Archive, size, new FileInfo(ArchivePath(prebuildId)).Length, Measure(checkout).Files);
        }

        await File.WriteAllTextAsync(ManifestPath(prebuildId), JsonSerializer.Serialize(snapshot), cancellationToken);
        LogSnapshotted(prebuildId, snapshot.Storage, snapshot.SizeBytes, snapshot.Files);
        return snapshot;
    }

    public bool HasCheckout(string workspaceId, string checkoutDirectoryName) => Directory.Exists(CheckoutOf(workspaceId, checkoutDirectoryName));

    public async Task RestoreAsync(string prebuildId, string workspaceId, string checkoutDirectoryName, CancellationToken cancellationToken)
    {
        var manifest = ReadManifest(prebuildId) ?? throw new SnapshotUnusableException($"The snapshot of prebuild {prebuildId} is missing.");
        var workspace = Path.Combine(local.Value.WorkspacesDirectory, workspaceId);
        var temporary = Path.Combine(workspace, ".prebuild-restore");
        if (Directory.Exists(temporary))
        {
            Directory.Delete(temporary, recursive: true);
        }

        Directory.CreateDirectory(workspace);
        try
        {
            int files;
            if (manifest.Storage == Reflink)
            {
                if (!Directory.Exists(TreePath(prebuildId)))
                {
                    throw new SnapshotUnusableException($"The snapshot of prebuild {prebuildId} is missing.");
                }

                files = await Task.Run(() => FileClone.CloneTree(TreePath(prebuildId), temporary, cancellationToken), cancellationToken);
            }
            else
            {
                Directory.CreateDirectory(temporary);
                await using (var file = new FileStream(ArchivePath(prebuildId), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
                await using (var zstd = new DecompressionStream(file))
                {
                    await TarFile.ExtractToDirectoryAsync(zstd, temporary, overwriteFiles: false, cancellationToken);
                }

                files = Measure(temporary).Files;
            }

            if (files != manifest.Files)
            {
                throw new SnapshotUnusableException($"The snapshot of prebuild {prebuildId} is incomplete: {files} of {manifest.Files} files.");
            }

            Directory.Move(temporary, CheckoutOf(workspaceId, checkoutDirectoryName));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ZstdException or FormatException or UnauthorizedAccessException or SnapshotUnusableException)
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }

            throw e as SnapshotUnusableException ?? new SnapshotUnusableException($"The snapshot of prebuild {prebuildId} could not be restored: {e.Message}", e);
        }
    }

    public Task DeleteAsync(string prebuildId, CancellationToken cancellationToken)
    {
        File.Delete(ManifestPath(prebuildId));
        File.Delete(ArchivePath(prebuildId));
        File.Delete(ArchivePath(prebuildId) + ".partial");
        if (Directory.Exists(TreePath(prebuildId)))
        {
            Directory.Delete(TreePath(prebuildId), recursive: true);
        }

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Snapshot of prebuild {PrebuildId} stored as {Storage}: {SizeBytes} bytes in {Files} files")]
    private partial void LogSnapshotted(string prebuildId, string storage, long sizeBytes, int files);
}
