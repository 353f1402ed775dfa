namespace Workspaces.Shared.Files;

/// <summary>
/// The file hub the agent serves at <see cref="Path"/> (SignalR, MessagePack). Paths are relative to the checkout, with
/// <c>/</c> separators; the empty string is the checkout itself. The browser reaches it only through the web app.
/// </summary>
/// <remarks>
/// Hub methods (client → agent):
/// <list type="bullet">
/// <item><c>DirectoryListing ListDirectory(string path)</c>: one level (the tree loads lazily); <c>.git</c> is hidden.</item>
/// <item><c>FileContent ReadFile(string path)</c>; <c>byte[] ReadBytes(string path)</c> (image previews, up to the soft limit).</item>
/// <item><c>SaveResult SaveFile(SaveFileRequest request)</c>: refused with <see cref="SaveResult.Conflict"/> when the file
/// on disk is no longer <see cref="SaveFileRequest.ExpectedVersion"/>.</item>
/// <item><c>CreateFile(path)</c>, <c>CreateDirectory(path)</c>, <c>Move(from, to)</c>, <c>string Duplicate(path)</c>,
/// <c>Delete(path)</c>, <c>Upload(path, byte[] data, bool append)</c>.</item>
/// <item><c>QuickOpenResult QuickOpen(string query, int limit)</c>; <c>SearchResult Search(SearchRequest request)</c>.</item>
/// </list>
/// Client methods (agent → every client): <c>FilesChanged(FileChanges)</c>, debounced.
/// Downloads are plain HTTP: <c>GET /api/files/download?path=…</c> (a folder comes as a zip archive).
/// </remarks>
public static class FilesHubContract
{
    public const string Path = "/hubs/files";

    public const string DownloadPath = "/api/files/download";

    public const string FilesChanged = nameof(FilesChanged);
}

public enum FileEntryKind
{
    File,
    Directory,

    /// <summary>A device, socket or FIFO: listed, never opened.</summary>
    Other,
}

/// <param name="Path">Relative to the checkout.</param>
/// <param name="IsSymlink">The entry is a symbolic link (to <paramref name="Kind"/>); links leaving the workspace are <see cref="FileEntryKind.Other"/>.</param>
/// <param name="ModifiedMs">Last modification, in milliseconds since the Unix epoch.</param>
public sealed record FileEntry(string Name, string Path, FileEntryKind Kind, long Size, long ModifiedMs, bool IsSymlink);

public sealed record DirectoryListing(string Path, IReadOnlyList<FileEntry> Entries);

public enum FileContentKind
{
    Text,
    Binary,

    /// <summary>Above the hard limit: no content.</summary>
    TooLarge,
}

/// <param name="Version">The content's hash; a save must name the version it replaces.</param>
/// <param name="Encoding">utf-8, utf-16le, utf-16be or iso-8859-1 (bytes that are not UTF-8 but look like text).</param>
/// <param name="LineEnding">LF or CRLF: the one most lines use.</param>
/// <param name="ReadOnly">Above the soft limit: shown, not editable.</param>
public sealed record FileContent(
    string Path,
    string Version,
    FileContentKind Kind,
    string? Text,
    string Encoding,
    bool Bom,
    string LineEnding,
    long Size,
    bool ReadOnly,
    string? Message);

/// <param name="ExpectedVersion">The version the editor loaded; null creates a new file (refused if one exists).</param>
/// <param name="Encoding">As read (<see cref="FileContent.Encoding"/>): the text is written back the same way.</param>
public sealed record SaveFileRequest(string Path, string Text, string? ExpectedVersion, string Encoding, bool Bom);

/// <param name="Version">The new version when saved; the version on disk when refused for a conflict.</param>
public sealed record SaveResult(bool Saved, bool Conflict, string? Version, string? Message);

/// <param name="Paths">Changed, created or deleted paths (relative), at most a few hundred per batch.</param>
/// <param name="Overflow">More changed than <paramref name="Paths"/> holds (a checkout, a build): reload what is shown.</param>
/// <param name="Git">Git's own state changed (index, HEAD, refs): refresh the source control view.</param>
public sealed record FileChanges(IReadOnlyList<string> Paths, bool Overflow, bool Git);

public sealed record QuickOpenMatch(string Path, int Score, IReadOnlyList<int> Positions);

/// <param name="TotalFiles">Files in the index.</param>
public sealed record QuickOpenResult(IReadOnlyList<QuickOpenMatch> Matches, int TotalFiles, double ElapsedMilliseconds);

/// <param name="Include">Optional glob(s), comma-separated (<c>*.cs, src/**</c>).</param>
public sealed record SearchRequest(string Query, bool IsRegex, bool MatchCase, bool WholeWord, string? Include, int MaxResults);

/// <param name="Column">1-based, in characters.</param>
public sealed record SearchMatch(string Path, int Line, int Column, int Length, string Preview);

/// <param name="Engine">"git grep" or "agent" (no Git repository or no git).</param>
public sealed record SearchResult(IReadOnlyList<SearchMatch> Matches, bool Truncated, string Engine, double ElapsedMilliseconds, string? Error);
