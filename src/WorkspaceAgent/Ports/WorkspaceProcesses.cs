using System.Globalization;

namespace Workspaces.WorkspaceAgent.Ports;

/// <summary>
/// Which sockets belong to the workspace. In the local runtime agents share the host's network namespace, so a listener
/// counts only if a process of this workspace owns it: a descendant of the agent (tasks, terminals and what they start)
/// or, when the agent leads its own session (the local runtime starts it with <c>setsid</c>), a member of that session
/// (a daemon that double-forked away from its parent). The agent's own sockets never count.
/// </summary>
public sealed class WorkspaceProcesses(string procRoot = "/proc")
{
    private const string SocketLinkPrefix = "socket:[";

    /// <summary>The inodes of the sockets the workspace's processes (not the agent itself) have open.</summary>
    public HashSet<long> SocketInodes()
    {
        var inodes = new HashSet<long>();
        foreach (var pid in Members(Environment.ProcessId))
        {
            CollectSockets(pid, inodes);
        }

        return inodes;
    }

    /// <summary>The processes of the workspace of agent <paramref name="agentPid"/>, without the agent.</summary>
    public HashSet<int> Members(int agentPid)
    {
        var parents = new Dictionary<int, int>();
        var sessions = new Dictionary<int, int>();
        foreach (var directory in SafeEnumerate(procRoot))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                || ReadStat(pid) is not { } stat)
            {
                continue;
            }

            parents[pid] = stat.ParentPid;
            sessions[pid] = stat.SessionId;
        }

        var children = parents.GroupBy(p => p.Value).ToDictionary(g => g.Key, g => g.Select(p => p.Key).ToList());
        var members = new HashSet<int>();
        var pending = new Stack<int>();
        pending.Push(agentPid);
        while (pending.TryPop(out var pid))
        {
            foreach (var child in children.GetValueOrDefault(pid) ?? [])
            {
                if (members.Add(child))
                {
                    pending.Push(child);
                }
            }
        }

        if (sessions.GetValueOrDefault(agentPid) == agentPid)
        {
            members.UnionWith(sessions.Where(s => s.Value == agentPid).Select(s => s.Key));
        }

        members.Remove(agentPid);
        return members;
    }

    private (int ParentPid, int SessionId)? ReadStat(int pid)
    {
        try
        {
            // "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses, so read after the last ')'.
            var text = File.ReadAllText(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "stat"));
            var end = text.LastIndexOf(')');
            var fields = text[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 3
                && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
                && int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var session)
                ? (parent, session)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void CollectSockets(int pid, HashSet<long> inodes)
    {
        foreach (var fd in SafeEnumerate(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "fd")))
        {
            try
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null
                    && target.StartsWith(SocketLinkPrefix, StringComparison.Ordinal)
                    && long.TryParse(target.AsSpan(SocketLinkPrefix.Length, target.Length - SocketLinkPrefix.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
                {
                    inodes.Add(inode);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The descriptor closed (or the process exited) while we looked.
            }
        }
    }

    private static string[] SafeEnumerate(string directory)
    {
        try
        {
            return Directory.GetFileSystemEntries(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
