using System.Runtime.InteropServices;

namespace Workspaces.WorkspaceAgent.Files;

/// <summary>
/// What .NET does not say about a path: its type (a FIFO or device must never be opened: reading a FIFO blocks) and its
/// real path with every symbolic link resolved. <c>statx</c> has the same layout on every Linux architecture.
/// </summary>
internal static unsafe partial class FileSystemNative
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int StatxSize = 256;
    private const int ModeOffset = 0x1C;
    private const int SizeOffset = 0x28;
    private const int MtimeOffset = 0x70;

    private const int TypeMask = 0xF000;
    private const int Regular = 0x8000;
    private const int Directory = 0x4000;
    private const int Symlink = 0xA000;

    /// <summary>The entry's type, size and modification time; null if it does not exist (or cannot be seen).</summary>
    public static NodeInfo? Stat(string path, bool followLinks)
    {
        var buffer = stackalloc byte[StatxSize];
        if (statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            return null;
        }

        var mode = *(ushort*)(buffer + ModeOffset) & TypeMask;
        var size = *(long*)(buffer + SizeOffset);
        var seconds = *(long*)(buffer + MtimeOffset);
        var nanoseconds = *(uint*)(buffer + MtimeOffset + 8);
        var type = mode switch
        {
            Regular => NodeType.File,
            Directory => NodeType.Directory,
            Symlink => NodeType.Symlink,
            _ => NodeType.Other,
        };
        var modified = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanoseconds / 100);
        return new NodeInfo(type, size, modified);
    }

    /// <summary>The canonical path (symbolic links, <c>.</c> and <c>..</c> resolved); null if it does not exist.</summary>
    public static string? RealPath(string path)
    {
        var resolved = realpath(path, 0);
        if (resolved == 0)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            free(resolved);
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint realpath(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void free(nint pointer);
}

internal enum NodeType
{
    File,
    Directory,
    Symlink,
    Other,
}

internal readonly record struct NodeInfo(NodeType Type, long Size, DateTimeOffset Modified);
