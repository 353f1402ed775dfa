using System.Globalization;

namespace Workspaces.WorkspaceAgent.Terminals.Native;

/// <summary>
/// The processes of a terminal session (everything started from a terminal's shell or task step, whatever process
/// group job control put it in), found through <c>/proc</c>. Zombies do not count: an orphan that exited stays one for
/// as long as the container's init fails to reap it.
/// </summary>
internal static class Sessions
{
    public const int SigHup = 1;
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;

    public static bool HasLiveMembers(int sessionId) => LiveMembers(sessionId).Count > 0;

    /// <summary>Sends <paramref name="signal"/> to every live process of the session.</summary>
    public static void Signal(int sessionId, int signal)
    {
        foreach (var processId in LiveMembers(sessionId))
        {
            _ = LibC.Kill(processId, signal);
        }
    }

    public static List<int> LiveMembers(int sessionId)
    {
        var members = new List<int>();
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

            // "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses, so parse after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 5);
            if (fields.Length >= 4
                && fields[0] is not ("Z" or "X")
                && int.TryParse(fields[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var session)
                && session == sessionId
                && int.TryParse(name, NumberStyles.Integer, CultureInfo.InvariantCulture, out var processId))
            {
                members.Add(processId);
            }
        }

        return members;
    }
}
