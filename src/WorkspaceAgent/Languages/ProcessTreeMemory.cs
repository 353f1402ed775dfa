using System.Globalization;

namespace Workspaces.WorkspaceAgent.Languages;

/// <summary>Resident memory of a process and its descendants (a language server often runs a worker: tsserver).</summary>
internal static class ProcessTreeMemory
{
    public static long ResidentBytes(int processId, string procRoot = "/proc")
    {
        long total = 0;
        var seen = new HashSet<int>();
        var queue = new Queue<int>([processId]);
        while (queue.Count > 0 && seen.Count < 256)
        {
            var pid = queue.Dequeue();
            if (!seen.Add(pid))
            {
                continue;
            }

            total += Resident(procRoot, pid);
            foreach (var child in Children(procRoot, pid))
            {
                queue.Enqueue(child);
            }
        }

        return total;
    }

    private static long Resident(string procRoot, int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"{procRoot}/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kilobytes = line.AsSpan(6).Trim().TrimEnd("kB").Trim();
                    return long.TryParse(kilobytes, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : 0;
                }
            }
        }
        catch (IOException)
        {
            // Exited meanwhile.
        }

        return 0;
    }

    private static int[] Children(string procRoot, int pid)
    {
        string text;
        try
        {
            // Every thread's children: node starts its workers from other threads than the main one.
            text = string.Join(' ', Directory.EnumerateDirectories($"{procRoot}/{pid}/task")
                .Select(task => Path.Combine(task, "children"))
                .Where(File.Exists)
                .Select(File.ReadAllText));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        return text.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var child) ? child : 0)
            .Where(child => child > 0)
            .ToArray();
    }
}
