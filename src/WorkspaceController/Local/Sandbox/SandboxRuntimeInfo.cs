using System.Text.Json;
using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceController.Local.Sandbox;

/// <summary>
/// What the runtime knows of a sandboxed agent, kept outside the workspace's directory (which the workspace may write):
/// <c>{WorkspacesDirectory}/{id}.sandbox.json</c>. Process ids are the host's.
/// </summary>
/// <param name="LauncherProcessId">pasta (or setpriv before it): the sandbox's outermost process.</param>
/// <param name="AgentProcessId">The agent, as the host sees it (inside it has another pid).</param>
public sealed record SandboxRuntimeInfo(string WorkspaceId, int LauncherProcessId, int AgentProcessId, string Url, DateTimeOffset StartedAt)
{
    public const string AgentHostSuffix = ".sandbox.invalid";

    /// <summary>The agent URL the runtime reports: a name never resolved, which <see cref="LocalAgentConnections"/> maps to the agent's socket.</summary>
    public static Uri AgentUrl(string workspaceId) => new($"http://{workspaceId}{AgentHostSuffix}/");

    public static string PathFor(string workspacesDirectory, string workspaceId) => Path.Combine(workspacesDirectory, workspaceId + ".sandbox.json");

    public static SandboxRuntimeInfo? Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<SandboxRuntimeInfo>(stream, AgentJson.Options);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Write(string path)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, AgentJson.Options));
        File.Move(temporary, path, overwrite: true);
    }
}
