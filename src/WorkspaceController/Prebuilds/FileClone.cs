using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Workspaces.WorkspaceController.Prebuilds;

/// <summary>Copy-on-write file clones (Linux <c>FICLONE</c>, as <c>cp --reflink</c> does), and copying a tree with them.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static partial class FileClone
{
    // _IOW(0x94, 9, int)
    private const uint Ficlone = 0x40049409;

    // Read side opened without blocking and without following a link: a FIFO a workspace left must not hang a snapshot.
    private const int OpenFlags = 0x800 /* O_NONBLOCK */ | 0x20000 /* O_NOFOLLOW */ | 0x80000 /* O_CLOEXEC */;

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(SafeFileHandle fd, uint request, nint argument);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    /// <summary>True when files can be cloned from <paramref name="from"/> to <paramref name="to"/> (same filesystem with reflinks).</summary>
    public static bool IsSupported(string from, string to)
    {
        var source = Path.Combine(from, $".reflink-probe-{Environment.ProcessId}");
        var target = Path.Combine(to, $".reflink-probe-{Environment.ProcessId}");
        try
        {
            System.IO.Directory.CreateDirectory(from);
            System.IO.Directory.CreateDirectory(to);
            File.WriteAllText(source, "probe");
            return TryClone(source, target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        catch (IOException)
        {
            return false;
        }
        finally
        {
            File.Delete(source);
            File.Delete(target);
        }
    }

    /// <summary>Clones one file; false when the filesystem cannot (the target is then removed).</summary>
    public static bool TryClone(string source, string target, UnixFileMode mode)
    {
        var fd = Open(source, OpenFlags);
        if (fd < 0)
        {
            throw new IOException($"{source} could not be opened (errno {Marshal.GetLastPInvokeError()}).");
        }

        using var input = new SafeFileHandle(fd, ownsHandle: true);
        using (var output = File.OpenHandle(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None))
        {
            if (Ioctl(output, Ficlone, input.DangerousGetHandle()) == 0)
            {
                File.SetUnixFileMode(output, mode);
                return true;
            }
        }

        File.Delete(target);
        return false;
    }

    /// <summary>Copies a tree with clones, keeping modes and symbolic links (never following them); returns the files copied.</summary>
    public static int CloneTree(string source, string target, CancellationToken cancellationToken)
    {
        var files = 0;
        System.IO.Directory.CreateDirectory(target);
        File.SetUnixFileMode(target, File.GetUnixFileMode(source));
        foreach (var entry in new DirectoryInfo(source).EnumerateFileSystemInfos())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var destination = Path.Combine(target, entry.Name);
            if (entry.LinkTarget is { } link)
            {
                File.CreateSymbolicLink(destination, link);
            }
            else if (entry is DirectoryInfo)
            {
                files += CloneTree(entry.FullName, destination, cancellationToken);
            }
            else
            {
                if (!TryClone(entry.FullName, destination, entry.UnixFileMode))
                {
                    throw new IOException($"The filesystem refused to clone {entry.FullName}.");
                }

                files++;
            }
        }

        return files;
    }
}
