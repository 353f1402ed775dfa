using System.Text.Json;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Processes;

namespace Workspaces.Web.Tests.Infrastructure;

/// <summary>
/// Agents are detached from the web app by design (they outlive it), so a test that stops the app must end them
/// itself: SIGTERM to the pid in each <c>agent.json</c> under the data directory, SIGKILL if one lingers.
/// </summary>
public static class LeftoverAgents
{
    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(5);

    public static async Task StopAllAsync(string dataDirectory)
    {
        var pids = FindAll(dataDirectory).Where(IsAgent).ToList();
        foreach (var pid in pids)
        {
            ProcessSignals.Send(pid, ProcessSignals.SigTerm);
        }

        foreach (var pid in pids)
        {
            if (!await ProcessProbe.WaitUntilGoneAsync(pid, GracePeriod))
            {
                ProcessSignals.Send(pid, ProcessSignals.SigKill);
                await ProcessProbe.WaitUntilGoneAsync(pid, GracePeriod);
            }
        }
    }

    /// <summary>True while <paramref name="pid"/> is a live agent (not a process that got a dead agent's pid).</summary>
    public static bool IsAgent(int pid)
    {
        try
        {
            return ProcessProbe.IsAlive(pid) && File.ReadAllText($"/proc/{pid}/cmdline").Contains("Workspaces.WorkspaceAgent", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

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

    /// <summary>The runtime info a workspace's agent wrote, or null when there is none (yet).</summary>
    public static AgentRuntimeInfo? Read(string workspaceDirectory)
    {
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
}
