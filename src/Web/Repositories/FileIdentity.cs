using System.Runtime.InteropServices;

namespace Workspaces.Web.Repositories;

/// <summary>
/// A file's identity: the device and inode it resolves to. Two paths name the same directory exactly when their
/// identities are equal, whatever links, <c>/proc/*/root</c> forms or bind mounts lie between; path strings cannot say
/// that. .NET has no API for inodes, so this asks the kernel through <c>statx(2)</c>, whose structure is the same on
/// every Linux architecture (unlike <c>struct stat</c>).
/// </summary>
internal readonly partial record struct FileIdentity(uint DeviceMajor, uint DeviceMinor, ulong Inode)
{
    private const int AtFdCwd = -100;
    private const int AtStatxSyncAsStat = 0;
    private const uint StatxIno = 0x100;
    private const int StatxSize = 256;
    private const int InoOffset = 32;
    private const int DevMajorOffset = 136;
    private const int DevMinorOffset = 140;

    /// <summary>The identity of what <paramref name="path"/> names after following every link; null if it does not exist or cannot be examined.</summary>
    public static FileIdentity? Of(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var buffer = new byte[StatxSize];
        if (Statx(AtFdCwd, path, AtStatxSyncAsStat, StatxIno, buffer) != 0)
        {
            return null;
        }

        return new FileIdentity(
            BitConverter.ToUInt32(buffer, DevMajorOffset),
            BitConverter.ToUInt32(buffer, DevMinorOffset),
            BitConverter.ToUInt64(buffer, InoOffset));
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, [Out] byte[] buffer);
}
