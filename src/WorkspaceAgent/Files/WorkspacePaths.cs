using System.Text;

namespace Workspaces.WorkspaceAgent.Files;

/// <summary>
/// Turns a path a client sent (relative to the checkout, <c>/</c>-separated) into a full path inside the checkout, or
/// refuses it. Every file operation goes through here. Refused: absolute paths, <c>.</c> and <c>..</c> segments, NUL,
/// names longer than the file system allows, and any path whose real location (symbolic links resolved) is outside the
/// checkout. Nothing is URL-decoded: <c>%2e%2e</c> is a file name like any other.
/// </summary>
/// <remarks>
/// This protects the workspace's host from requests, not from the workspace's user, who has a shell in the workspace
/// anyway; a link swapped between the check and the open is therefore not defended against.
/// </remarks>
public sealed class WorkspacePaths
{
    public const int MaxPathBytes = 4000;
    public const int MaxNameBytes = 255;

    private readonly string _realRoot;

    public WorkspacePaths(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        _realRoot = FileSystemNative.RealPath(Root) ?? Root;
    }

    /// <summary>The checkout directory.</summary>
    public string Root { get; }

    /// <summary>The full path of <paramref name="relative"/>; it may not exist yet (its parent's location is checked).</summary>
    /// <exception cref="FileOperationException">The path is not a path inside the workspace.</exception>
    public string Resolve(string? relative)
    {
        var normalized = Normalize(relative);
        var full = normalized.Length == 0 ? Root : Root + "/" + normalized;
        EnsureInside(full, relative!);
        return full;
    }

    /// <summary>Like <see cref="Resolve"/>, for a new name: control characters (newlines) are refused too.</summary>
    public string ResolveNew(string? relative)
    {
        var full = Resolve(relative);
        if (full == Root)
        {
            throw new FileOperationException("The workspace's root cannot be replaced.");
        }

        if (Path.GetFileName(full).Any(char.IsControl))
        {
            throw new FileOperationException("File names cannot contain control characters such as line breaks.");
        }

        return full;
    }

    /// <summary>The path relative to the checkout (<c>/</c>-separated) of a full path inside it.</summary>
    public string Relative(string full) =>
        full.Length <= Root.Length ? string.Empty : full[(Root.Length + 1)..];

    /// <summary>Clean, relative, <c>/</c>-separated; the empty string for the root.</summary>
    public static string Normalize(string? relative)
    {
        if (relative is null)
        {
            throw new FileOperationException("A path is required.");
        }

        if (relative.Contains('\0', StringComparison.Ordinal))
        {
            throw new FileOperationException("A path cannot contain NUL characters.");
        }

        if (relative.StartsWith('/'))
        {
            throw new FileOperationException($"'{Shorten(relative)}' is an absolute path; paths are relative to the workspace.");
        }

        if (Encoding.UTF8.GetByteCount(relative) > MaxPathBytes)
        {
            throw new FileOperationException("The path is too long.");
        }

        var segments = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
        foreach (var segment in segments)
        {
            if (segment is "." or "..")
            {
                throw new FileOperationException($"'{Shorten(relative)}' is not allowed: paths cannot contain '.' or '..' segments.");
            }

            if (Encoding.UTF8.GetByteCount(segment) > MaxNameBytes)
            {
                throw new FileOperationException($"The name '{Shorten(segment)}' is too long (at most {MaxNameBytes} bytes).");
            }
        }

        return string.Join('/', segments);
    }

    private void EnsureInside(string full, string requested)
    {
        // The real location of the deepest part that exists must be inside the checkout's real location.
        var existing = full;
        var info = FileSystemNative.Stat(existing, followLinks: false);
        while (info is null && existing.Length > Root.Length)
        {
            existing = Path.GetDirectoryName(existing)!;
            info = FileSystemNative.Stat(existing, followLinks: false);
        }

        var real = FileSystemNative.RealPath(existing);
        if (real is null)
        {
            // A dangling symbolic link (its target does not exist): where it points is not ours to create.
            throw new FileOperationException($"'{Shorten(requested)}' is a link to somewhere that does not exist.");
        }

        if (!IsInside(real))
        {
            throw new FileOperationException($"'{Shorten(requested)}' leads outside the workspace (through a symbolic link).");
        }
    }

    /// <summary>Whether a real path (links resolved) is the checkout or inside it.</summary>
    public bool IsInside(string realPath) =>
        realPath == _realRoot || realPath.StartsWith(_realRoot + "/", StringComparison.Ordinal);

    private static string Shorten(string text)
    {
        var clean = new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return clean.Length <= 80 ? clean : string.Concat(clean.AsSpan(0, 77), "...");
    }
}
