using System.Globalization;

namespace Workspaces.WorkspaceAgent.Tests.Infrastructure;

/// <summary>What runs in a terminal, seen through <c>/proc</c>: to know a program really started, stopped or ended.</summary>
internal static class TerminalProcesses
{
    public sealed record Entry(int ProcessId, string Name, char State, int SessionId);

    public static List<Entry> InSession(int sessionId)
    {
        var entries = new List<Entry>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.Integer, CultureInfo.InvariantCulture, out var processId))
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
                continue;
            }

            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ', 5);
            if (int.Parse(fields[3], CultureInfo.InvariantCulture) == sessionId && fields[0][0] is not ('Z' or 'X'))
            {
                entries.Add(new Entry(processId, stat[(open + 1)..close], fields[0][0], sessionId));
            }
        }

        return entries;
    }

    public static Entry? Find(int sessionId, string name) => InSession(sessionId).FirstOrDefault(entry => entry.Name == name);
}
