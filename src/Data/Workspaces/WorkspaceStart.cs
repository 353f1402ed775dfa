using Workspaces.Shared.Agent;

namespace Workspaces.Data.Workspaces;

/// <summary>One start of a workspace with the time spent in each phase: the start history the user sees.</summary>
public sealed class WorkspaceStart
{
    public long Id { get; set; }

    public required string WorkspaceId { get; set; }

    public DateTimeOffset RequestedAt { get; set; }

    /// <summary>When the runtime began launching the agent (the end of the queue wait).</summary>
    public DateTimeOffset? LaunchedAt { get; set; }

    /// <summary>When the agent listened.</summary>
    public DateTimeOffset? AgentStartedAt { get; set; }

    public DateTimeOffset? CloneStartedAt { get; set; }

    public DateTimeOffset? CloneEndedAt { get; set; }

    public DateTimeOffset? TasksStartedAt { get; set; }

    public DateTimeOffset? ReadyAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>Ready, Failed or Stopped; null while in progress.</summary>
    public WorkspacePhase? Outcome { get; set; }

    public AgentErrorCode? ErrorCode { get; set; }
}
