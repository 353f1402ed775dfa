using System.Globalization;

namespace Workspaces.WorkspaceAgent.Tasks;

/// <summary>
/// Whether a process group still has a live member. <c>kill(-pgid, 0)</c> alone also counts zombies, and an orphaned
/// task process that exited stays one for as long as the container's init fails to reap it.
/// </summary>
internal static class ProcessGroupProbe
{
    public static bool HasLiveMembers(int processGroupId)
    {
        if (!Posix.GroupExists(processGroupId))
        {
            return false;
        }

        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(directory.AsSpan());
            if (name.Length == 0 || !char.IsAsciiDigit(name[0]))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue; // Exited while we looked.
            }

            // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so parse after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 4);
            if (fields.Length >= 3
                && fields[0] is not ("Z" or "X")
                && int.TryParse(fields[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var group)
                && group == processGroupId)
            {
                return true;
            }
        }

        return false;
    }
}
