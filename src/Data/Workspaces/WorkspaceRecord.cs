using Workspaces.Shared.Agent;

namespace Workspaces.Data.Workspaces;

/// <summary>
/// A workspace: the user's intent (desired state) and the last observed reality (phase, error).
/// The API writes the intent columns; the reconciler writes the observed ones, each with targeted updates.
/// </summary>
public sealed class WorkspaceRecord
{
    /// <summary>DNS-label safe (lowercase letters, digits, dashes): it is part of preview host names.</summary>
    public required string Id { get; set; }

    public required string OwnerId { get; set; }

    public required string RepositoryUrl { get; set; }

    public string? Ref { get; set; }

    /// <summary>The team project the workspace was opened from, if any: its variables, secrets and team apply.</summary>
    public string? ProjectId { get; set; }

    /// <summary>Display name, by default the repository's name.</summary>
    public required string Name { get; set; }

    public required string CheckoutDirectoryName { get; set; }

    public DesiredState DesiredState { get; set; }

    /// <summary>Why the desired state last changed, e.g. "Stopped after 30 minutes without activity".</summary>
    public string? DesiredStateReason { get; set; }

    public WorkspacePhase Phase { get; set; }

    public AgentErrorCode? ErrorCode { get; set; }

    public string? ErrorMessage { get; set; }

    /// <summary>What the user can do about the error.</summary>
    public string? ErrorAdvice { get; set; }

    /// <summary>Clone progress 0..1 while cloning.</summary>
    public double? Progress { get; set; }

    /// <summary>Overrides the server's idle timeout (a project's setting, copied when the workspace is created).</summary>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>Variables passed in the open-workspace link (JSON), encrypted with Data Protection.</summary>
    public string? ProtectedLinkEnvironment { get; set; }

    /// <summary>The agent's secret, encrypted with ASP.NET Core Data Protection.</summary>
    public required string ProtectedAgentSecret { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset LastActiveAt { get; set; }

    public DateTimeOffset? LastStartedAt { get; set; }

    public DateTimeOffset? ReadyAt { get; set; }

    /// <summary>The checkout's branch when the agent last looked (null outside a Git repository or before the first look).</summary>
    public string? GitBranch { get; set; }

    /// <summary>Changed, staged or untracked files when the agent last looked: the dashboard warns before a delete.</summary>
    public int? GitUncommittedChanges { get; set; }

    /// <summary>Commits no remote branch has, when the agent last looked.</summary>
    public int? GitUnpushedCommits { get; set; }

    public DateTimeOffset? GitCheckedAt { get; set; }

    /// <summary>Bumped on every desired-state change so the reconciler can tell a fresh request (e.g. a retry) from an old one.</summary>
    public int Generation { get; set; }

    /// <summary>The <see cref="Generation"/> the reconciler last acted on.</summary>
    public int ObservedGeneration { get; set; }
}
