using System.Text.Json;

namespace Workspaces.TestSupport.Processes;

/// <summary>
/// A local workspace's agent as the host sees it: a sandboxed agent's own <c>.workspace/agent.json</c> holds its pid inside
/// its PID namespace, so the runtime's record beside the workspace (<c>{id}.sandbox.json</c>) is read first.
/// </summary>
public static class AgentPids
{
    /// <summary>The host pid of the agent of <paramref name="workspaceId"/> under <paramref name="dataDirectory"/>; null when it has none.</summary>
    public static int? HostPid(string dataDirectory, string workspaceId)
    {
        var workspaces = Path.Combine(dataDirectory, "workspaces");
        return Read(Path.Combine(workspaces, workspaceId + ".sandbox.json"), "agentProcessId")
            ?? Read(Path.Combine(workspaces, workspaceId, ".workspace", "agent.json"), "processId");
    }

    private static int? Read(string file, string property)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(file));
        return document.RootElement.TryGetProperty(property, out var pid) ? pid.GetInt32() : null;
    }
}
