using System.Globalization;
using System.Text.Json;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Processes;
using Workspaces.WorkspaceController.Local.Sandbox;

namespace Workspaces.Web.Tests.Infrastructure;

/// <summary>
/// Agents are detached from the web app by design (they outlive it), so a test that stops the app must end them
/// itself: SIGTERM to each agent (named by its <c>agent.json</c>, or found working in the data directory before it wrote
/// one), SIGKILL if one lingers, then SIGKILL to anything still working in the data directory (a task an agent that
/// had to be killed left behind).
/// </summary>
public static class LeftoverAgents
{
    private const string AgentMarker = "Workspaces.WorkspaceAgent";
    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(5);

    public static async Task StopAllAsync(string dataDirectory)
    {
        var agents = FindAll(dataDirectory).Concat(WorkingIn(dataDirectory)).Distinct().Where(IsAgent).ToList();
        foreach (var pid in agents)
        {
            ProcessSignals.Send(pid, ProcessSignals.SigTerm);
        }

        foreach (var pid in agents)
        {
            if (!await ProcessProbe.WaitUntilGoneAsync(pid, GracePeriod))
            {
                ProcessSignals.Send(pid, ProcessSignals.SigKill);
                await ProcessProbe.WaitUntilGoneAsync(pid, GracePeriod);
            }
        }

        foreach (var pid in WorkingIn(dataDirectory))
        {
            ProcessSignals.Send(pid, ProcessSignals.SigKill);
        }
    }

    /// <summary>True while <paramref name="pid"/> is a live agent (not a process that got a dead agent's pid).</summary>
    public static bool IsAgent(int pid) =>
        ProcessProbe.IsAlive(pid) && TryRead($"/proc/{pid}/cmdline")?.Contains(AgentMarker, StringComparison.Ordinal) == true;

    /// <summary>The agent pids recorded in the data directory, live or not.</summary>
    public static IEnumerable<int> FindAll(string dataDirectory)
    {
        var workspaces = Path.Combine(dataDirectory, "workspaces");
        if (!Directory.Exists(workspaces))
        {
            yield break;
        }

        foreach (var directory in Directory.EnumerateDirectories(workspaces))
        {
            if (Read(directory) is { } info)
            {
                yield return info.ProcessId;
            }
        }
    }

    /// <summary>
    /// The runtime info of a workspace's agent, or null when there is none (yet): for a sandboxed agent the runtime's own
    /// record, with the agent's host pid (inside its sandbox it has another).
    /// </summary>
    public static AgentRuntimeInfo? Read(string workspaceDirectory)
    {
        var full = Path.TrimEndingDirectorySeparator(workspaceDirectory);
        var sandboxed = SandboxRuntimeInfo.Read(SandboxRuntimeInfo.PathFor(Path.GetDirectoryName(full)!, Path.GetFileName(full)));
        if (sandboxed is not null)
        {
            return new AgentRuntimeInfo(sandboxed.AgentProcessId, sandboxed.Url, sandboxed.StartedAt, sandboxed.WorkspaceId);
        }

        try
        {
            var json = File.ReadAllText(new WorkspaceLayout(workspaceDirectory, "").RuntimeFile);
            return JsonSerializer.Deserialize<AgentRuntimeInfo>(json, AgentJson.Options);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Live processes whose working directory is inside <paramref name="directory"/> (agents and their tasks).</summary>
    private static List<int> WorkingIn(string directory)
    {
        var prefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)) + "/";
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            string? cwd;
            try
            {
                cwd = new FileInfo(Path.Combine(entry, "cwd")).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            // A deleted directory still shows, with a suffix.
            cwd = cwd?.Replace(" (deleted)", "", StringComparison.Ordinal);
            if (cwd is not null && (cwd + "/").StartsWith(prefix, StringComparison.Ordinal) && ProcessProbe.IsAlive(pid))
            {
                found.Add(pid);
            }
        }

        return found;
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
