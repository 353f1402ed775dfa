namespace Workspaces.WorkspaceController.Runtime;

public enum RuntimeState
{
    /// <summary>Neither storage nor agent exists.</summary>
    Absent,

    /// <summary>The workspace's files exist; no agent runs.</summary>
    Stopped,

    /// <summary>The agent was launched and does not listen yet.</summary>
    Starting,

    /// <summary>The agent listens at <see cref="RuntimeObservation.AgentUrl"/>.</summary>
    Running,
}

/// <param name="Detail">For a stopped workspace, the last lines the agent wrote, to explain an unexpected exit.</param>
public sealed record RuntimeObservation(string WorkspaceId, RuntimeState State, Uri? AgentUrl, DateTimeOffset? AgentStartedAt, string? Detail)
{
    public static RuntimeObservation Absent(string workspaceId) => new(workspaceId, RuntimeState.Absent, null, null, null);
}
