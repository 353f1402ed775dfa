using Workspaces.Shared.Files;

namespace Workspaces.WorkspaceAgent.Files;

/// <summary>The editor's file operations on the checkout. Every path goes through <see cref="WorkspacePaths"/>.</summary>
public sealed class FileService(WorkspacePaths paths, FilesOptions options) : IDisposable
{
    /// <summary>Temporary files of saves in progress start with this; the watcher does not report them.</summary>
    public const string SaveTempPrefix = ".~workspaces-save-";

    // One save at a time: between "the file is still the version the editor loaded" and the rename nothing else of ours writes.
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public WorkspacePaths Paths => paths;

    public void Dispose() => _writeLock.Dispose();

    public DirectoryListing ListDirectory(string path)
    {
        var full = paths.Resolve(path);
        var info = FileSystemNative.Stat(full, followLinks: true);
        if (info is not { Type: NodeType.Directory })
        {
            throw new FileOperationException(info is null ? $"'{path}' does not exist." : $"'{path}' is not a folder.");
        }

        var relative = paths.Relative(full);
        var entries = new List<FileEntry>();
        var enumeration = new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0, RecurseSubdirectories = false };
        foreach (var name in new System.IO.Enumeration.FileSystemEnumerable<string>(full, (ref entry) => entry.FileName.ToString(), enumeration))
        {
            if (relative.Length == 0 && name == ".git")
            {
                continue;
            }

            if (Entry(full + "/" + name, relative.Length == 0 ? name : relative + "/" + name, name) is { } fileEntry)
            {
                entries.Add(fileEntry);
            }
        }

        entries.Sort(static (a, b) =>
            a.Kind == FileEntryKind.Directory != (b.Kind == FileEntryKind.Directory) ? (a.Kind == FileEntryKind.Directory ? -1 : 1)
            : string.Compare(a.Name, b.Name, StringComparison.OrdinalIgnoreCase) is var c and not 0 ? c
            : string.CompareOrdinal(a.Name, b.Name));
        return new DirectoryListing(relative, entries);
    }

    public FileContent ReadFile(string path)
    {
        var full = paths.Resolve(path);
        var info = RegularFile(full, path);
        var relative = paths.Relative(full);
        if (info.Size > options.HardLimitBytes)
        {
            return new FileContent(relative, string.Empty, FileContentKind.TooLarge, null, "binary", false, "LF", info.Size, true,
                $"This file is {Megabytes(info.Size)}, above the {Megabytes(options.HardLimitBytes)} limit of the editor. Download it instead.");
        }

        var bytes = File.ReadAllBytes(full);
        var version = TextCodec.Version(bytes);
        var decoded = TextCodec.Decode(bytes);
        if (decoded.Text is null)
        {
            return new FileContent(relative, version, FileContentKind.Binary, null, "binary", false, "LF", bytes.Length, true,
                "This file is binary (or in an encoding the editor does not know).");
        }

        var readOnly = bytes.Length > options.SoftLimitBytes;
        return new FileContent(relative, version, FileContentKind.Text, decoded.Text, decoded.Encoding, decoded.Bom, TextCodec.LineEnding(decoded.Text),
            bytes.Length, readOnly,
            readOnly ? $"This file is {Megabytes(bytes.Length)}, above {Megabytes(options.SoftLimitBytes)}: it is open read-only." : null);
    }

    /// <summary>A file's bytes, for previews (images), up to the soft limit.</summary>
    public byte[] ReadBytes(string path)
    {
        var full = paths.Resolve(path);
        var info = RegularFile(full, path);
        if (info.Size > options.SoftLimitBytes)
        {
            throw new FileOperationException($"This file is {Megabytes(info.Size)}, too large to preview. Download it instead.");
        }

        return File.ReadAllBytes(full);
    }

    public async Task<SaveResult> SaveFileAsync(SaveFileRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var full = request.ExpectedVersion is null ? paths.ResolveNew(request.Path) : paths.Resolve(request.Path);
        var bytes = TextCodec.Encode(request.Text ?? string.Empty, request.Encoding, request.Bom);
        if (bytes.Length > options.SoftLimitBytes)
        {
            return new SaveResult(false, false, null, $"The text is {Megabytes(bytes.Length)}, above the editor's {Megabytes(options.SoftLimitBytes)} limit.");
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var info = FileSystemNative.Stat(full, followLinks: true);
            string? current = null;
            if (info is not null)
            {
                if (info.Value.Type != NodeType.File)
                {
                    throw new FileOperationException($"'{request.Path}' is not a regular file.");
                }

                current = TextCodec.Version(await File.ReadAllBytesAsync(full, cancellationToken));
            }

            if (current != request.ExpectedVersion)
            {
                var message = current is null ? "The file was deleted since you opened it."
                    : request.ExpectedVersion is null ? "A file with this name already exists."
                    : "The file changed on disk since you opened it.";
                return new SaveResult(false, true, current, message);
            }

            // A link inside the workspace stays a link: its target gets the new content.
            var target = info is null ? full : FileSystemNative.RealPath(full) ?? full;
            await WriteReplacingAsync(target, bytes, cancellationToken);
            return new SaveResult(true, false, TextCodec.Version(bytes), null);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public FileEntry CreateFile(string path)
    {
        var full = paths.ResolveNew(path);
        EnsureAbsent(full, path);
        EnsureParentDirectory(full);
        using (new FileStream(full, FileMode.CreateNew, FileAccess.Write))
        {
        }

        return Entry(full, paths.Relative(full), Path.GetFileName(full))!;
    }

    public FileEntry CreateDirectory(string path)
    {
        var full = paths.ResolveNew(path);
        EnsureAbsent(full, path);
        EnsureParentDirectory(full);
        Directory.CreateDirectory(full);
        return Entry(full, paths.Relative(full), Path.GetFileName(full))!;
    }

    /// <summary>Renames or moves a file or folder; the destination must not exist.</summary>
    public FileEntry Move(string from, string to)
    {
        var source = ExistingNode(from);
        var destination = paths.ResolveNew(to);
        if (destination == source.Full)
        {
            return Entry(destination, paths.Relative(destination), Path.GetFileName(destination))!;
        }

        if (destination.StartsWith(source.Full + "/", StringComparison.Ordinal))
        {
            throw new FileOperationException("A folder cannot be moved into itself.");
        }

        EnsureAbsent(destination, to);
        EnsureParentDirectory(destination);
        if (source.Info.Type == NodeType.Directory)
        {
            Directory.Move(source.Full, destination);
        }
        else
        {
            File.Move(source.Full, destination);
        }

        return Entry(destination, paths.Relative(destination), Path.GetFileName(destination))!;
    }

    /// <summary>Copies a file or folder next to itself as "name copy.ext" (or "name copy 2.ext", …).</summary>
    public FileEntry Duplicate(string path)
    {
        var source = ExistingNode(path);
        if (source.Full == paths.Root)
        {
            throw new FileOperationException("The workspace's root cannot be duplicated.");
        }

        var directory = Path.GetDirectoryName(source.Full)!;
        var name = Path.GetFileName(source.Full);
        var isDirectory = source.Info.Type == NodeType.Directory;
        var stem = isDirectory ? name : Path.GetFileNameWithoutExtension(name);
        var extension = isDirectory ? string.Empty : Path.GetExtension(name);
        if (stem.Length == 0)
        {
            (stem, extension) = (name, string.Empty); // ".gitignore" → ".gitignore copy"
        }

        for (var n = 1; ; n++)
        {
            var candidate = Path.Combine(directory, $"{stem} copy{(n == 1 ? string.Empty : $" {n}")}{extension}");
            if (FileSystemNative.Stat(candidate, followLinks: false) is null)
            {
                Copy(source.Full, candidate, isDirectory);
                return Entry(candidate, paths.Relative(candidate), Path.GetFileName(candidate))!;
            }
        }
    }

    public void Delete(string path)
    {
        var full = paths.Resolve(path);
        if (full == paths.Root)
        {
            throw new FileOperationException("The workspace's root cannot be deleted.");
        }

        // Not followed: deleting a link deletes the link.
        var info = FileSystemNative.Stat(full, followLinks: false) ?? throw new FileOperationException($"'{path}' does not exist.");
        if (info.Type == NodeType.Directory)
        {
            Directory.Delete(full, recursive: true);
        }
        else
        {
            File.Delete(full);
        }
    }

    /// <summary>Writes an uploaded file, in pieces: the first (<paramref name="append"/> false) creates or replaces it.</summary>
    public async Task<FileEntry> UploadAsync(string path, byte[] data, bool append, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        var full = paths.ResolveNew(path);
        var info = FileSystemNative.Stat(full, followLinks: true);
        if (info is { Type: not NodeType.File })
        {
            throw new FileOperationException($"'{path}' exists and is not a file.");
        }

        if ((info?.Size ?? 0) + data.Length > options.HardLimitBytes * 4)
        {
            throw new FileOperationException("The upload is too large.");
        }

        EnsureParentDirectory(full);
        await using var stream = new FileStream(full, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read, 4096, useAsync: true);
        await stream.WriteAsync(data, cancellationToken);
        await stream.FlushAsync(cancellationToken);
        return Entry(full, paths.Relative(full), Path.GetFileName(full))!;
    }

    private static async Task WriteReplacingAsync(string target, byte[] bytes, CancellationToken cancellationToken)
    {
        // Write next to it and rename over it: a crash or a full disk never leaves a half-written file.
        var directory = Path.GetDirectoryName(target)!;
        var temp = Path.Combine(directory, SaveTempPrefix + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, useAsync: true))
            {
                await stream.WriteAsync(bytes, cancellationToken);
                await stream.FlushAsync(cancellationToken);
            }

            if (!OperatingSystem.IsWindows() && File.Exists(target))
            {
                File.SetUnixFileMode(temp, File.GetUnixFileMode(target));
            }

            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private (string Full, NodeInfo Info) ExistingNode(string path)
    {
        var full = paths.Resolve(path);
        var info = FileSystemNative.Stat(full, followLinks: false) ?? throw new FileOperationException($"'{path}' does not exist.");
        return (full, info);
    }

    private static NodeInfo RegularFile(string full, string path)
    {
        var info = FileSystemNative.Stat(full, followLinks: true);
        return info switch
        {
            null => throw new FileOperationException($"'{path}' does not exist."),
            { Type: NodeType.Directory } => throw new FileOperationException($"'{path}' is a folder."),
            { Type: NodeType.File } file => file,
            _ => throw new FileOperationException($"'{path}' is not a regular file (a device, socket or pipe): it cannot be opened."),
        };
    }

    private static void EnsureAbsent(string full, string path)
    {
        if (FileSystemNative.Stat(full, followLinks: false) is not null)
        {
            throw new FileOperationException($"'{path}' already exists.");
        }
    }

    private static void EnsureParentDirectory(string full)
    {
        var parent = Path.GetDirectoryName(full)!;
        if (FileSystemNative.Stat(parent, followLinks: true) is { Type: not NodeType.Directory })
        {
            throw new FileOperationException($"'{Path.GetFileName(parent)}' is not a folder.");
        }

        Directory.CreateDirectory(parent);
    }

    private static void Copy(string source, string destination, bool isDirectory)
    {
        if (!isDirectory)
        {
            File.Copy(source, destination);
            return;
        }

        Directory.CreateDirectory(destination);
        foreach (var entry in new DirectoryInfo(source).EnumerateFileSystemInfos())
        {
            var target = Path.Combine(destination, entry.Name);
            if (entry.LinkTarget is { } link)
            {
                File.CreateSymbolicLink(target, link);
            }
            else
            {
                Copy(entry.FullName, target, entry is DirectoryInfo);
            }
        }
    }

    private FileEntry? Entry(string full, string relative, string name)
    {
        var own = FileSystemNative.Stat(full, followLinks: false);
        if (own is not { } info)
        {
            return null; // Gone meanwhile.
        }

        var isLink = info.Type == NodeType.Symlink;
        if (isLink)
        {
            // A link is shown as what it points to, if that is inside the workspace; anything else is inert.
            var real = FileSystemNative.RealPath(full);
            var inside = real is not null && paths.IsInside(real);
            info = inside ? FileSystemNative.Stat(full, followLinks: true) ?? info : info with { Type = NodeType.Other };
        }

        var kind = info.Type switch
        {
            NodeType.File => FileEntryKind.File,
            NodeType.Directory => FileEntryKind.Directory,
            _ => FileEntryKind.Other,
        };
        return new FileEntry(name, relative, kind, kind == FileEntryKind.File ? info.Size : 0, info.Modified.ToUnixTimeMilliseconds(), isLink);
    }

    private static string Megabytes(long bytes) => $"{bytes / (1024.0 * 1024):0.#} MB";
}
