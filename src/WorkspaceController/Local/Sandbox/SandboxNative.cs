using System.Runtime.InteropServices;

namespace Workspaces.WorkspaceController.Local.Sandbox;

/// <summary>The few libc calls the sandbox needs that .NET does not expose.</summary>
internal static partial class SandboxNative
{
    private const int OPath = 0x200000;
    private const int ODirectory = 0x10000;
    private const int OCloexec = 0x80000;

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUid();

    [LibraryImport("libc", EntryPoint = "getegid")]
    public static partial uint GetEffectiveGid();

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Chown(string path, int uid, int gid);

    [LibraryImport("libc", EntryPoint = "lchown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int LChown(string path, int uid, int gid);

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial IntPtr RealPath(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr pointer);

    public static bool IsRoot => GetEffectiveUid() == 0;

    /// <summary>A directory descriptor that only names the directory (O_PATH): for reaching a socket by a short path.</summary>
    public static int OpenDirectoryPath(string path)
    {
        var fd = Open(path, OPath | ODirectory | OCloexec);
        return fd >= 0 ? fd : throw new IOException($"Cannot open {path}: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    /// <summary>The path with every symbolic link, <c>.</c> and <c>..</c> resolved; null when it does not exist.</summary>
    public static string? Resolve(string path)
    {
        var result = RealPath(path, IntPtr.Zero);
        if (result == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(result);
        }
        finally
        {
            Free(result);
        }
    }

    /// <summary>Gives a directory tree to a user: links themselves, never what they point to, and never descends through one.</summary>
    public static void ChownTree(string root, int uid, int gid)
    {
        ChownOne(root, uid, gid, link: false);
        var pending = new Stack<string>([root]);
        while (pending.TryPop(out var directory))
        {
            foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
            {
                var link = entry.LinkTarget is not null;
                ChownOne(entry.FullName, uid, gid, link);
                if (!link && entry is DirectoryInfo)
                {
                    pending.Push(entry.FullName);
                }
            }
        }
    }

    public static void ChownOne(string path, int uid, int gid, bool link)
    {
        if ((link ? LChown(path, uid, gid) : Chown(path, uid, gid)) != 0)
        {
            throw new IOException($"Cannot give {path} to user {uid}: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }
}
