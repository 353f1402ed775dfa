using System.Globalization;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Agent;

namespace Workspaces.Web.Workspaces;

/// <summary>A workspace as the API and the pages show it.</summary>
public sealed record WorkspaceView(
    string Id,
    string Name,
    string RepositoryUrl,
    string? Ref,
    DesiredState DesiredState,
    WorkspacePhase Phase,
    string Status,
    double? Progress,
    WorkspaceErrorView? Error,
    string? StatusReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastActiveAt,
    DateTimeOffset? LastStartedAt,
    DateTimeOffset? ReadyAt,
    string Url,
    WorkspaceGitView? Git = null)
{
    /// <summary>Someone else's workspace that its owner shared with the caller: they may open it, not start, stop or delete it.</summary>
    public bool SharedWithYou { get; init; }

    public static WorkspaceView From(WorkspaceRecord w) => new(
        w.Id,
        w.Name,
        w.RepositoryUrl,
        w.Ref,
        w.DesiredState,
        w.Phase,
        StatusText(w),
        w.Progress,
        w.ErrorCode is { } code ? new WorkspaceErrorView(code, w.ErrorMessage ?? "", w.ErrorAdvice) : null,
        w.DesiredStateReason,
        w.CreatedAt,
        w.LastActiveAt,
        w.LastStartedAt,
        w.ReadyAt,
        $"/workspaces/{w.Id}",
        w.GitCheckedAt is { } checkedAt ? new WorkspaceGitView(w.GitBranch, w.GitUncommittedChanges ?? 0, w.GitUnpushedCommits ?? 0, checkedAt) : null);



    private static string StatusText(WorkspaceRecord w) => (w.DesiredState, w.Phase) switch
    {
        (DesiredState.Deleted, _) => "Deleting",
        (_, WorkspacePhase.Failed) => "Failed",
        (DesiredState.Stopped, WorkspacePhase.Stopped) => "Stopped",
        (DesiredState.Stopped, _) => "Stopping",
        (DesiredState.Running, WorkspacePhase.Ready) => "Running",
        (DesiredState.Running, WorkspacePhase.Queued) => "Queued",
        (DesiredState.Running, WorkspacePhase.StartingAgent) => "Starting",
        (DesiredState.Running, WorkspacePhase.Cloning) => w.Progress is { } p ? string.Create(CultureInfo.InvariantCulture, $"Cloning {Math.Floor(p * 100):0}%") : "Cloning",
        (DesiredState.Running, WorkspacePhase.RunningTasks) => "Running tasks",
        (DesiredState.Running, _) => "Starting",
        _ => w.Phase.ToString(),
    };
}

/// <summary>What the agent last saw of the checkout: work that a delete would lose.</summary>
public sealed record WorkspaceGitView(string? Branch, int UncommittedChanges, int UnpushedCommits, DateTimeOffset CheckedAt)
{
    public bool HasUnsavedWork => UncommittedChanges > 0 || UnpushedCommits > 0;

    /// <summary>"3 uncommitted changes · 1 unpushed commit", or null when there is nothing to lose.</summary>
    public string? Describe()
    {
        var parts = new List<string>();
        if (UncommittedChanges > 0)
        {
            parts.Add(UncommittedChanges == 1 ? "1 uncommitted change" : $"{UncommittedChanges} uncommitted changes");
        }

        if (UnpushedCommits > 0)
        {
            parts.Add(UnpushedCommits == 1 ? "1 unpushed commit" : $"{UnpushedCommits} unpushed commits");
        }

        return parts.Count == 0 ? null : string.Join(" · ", parts);
    }
}

public sealed record WorkspaceErrorView(AgentErrorCode Code, string Message, string? Advice);

/// <summary>One start and the time spent in each phase.</summary>
public sealed record WorkspaceStartView(
    DateTimeOffset RequestedAt,
    DateTimeOffset? LaunchedAt,
    DateTimeOffset? AgentStartedAt,
    DateTimeOffset? CloneStartedAt,
    DateTimeOffset? CloneEndedAt,
    DateTimeOffset? TasksStartedAt,
    DateTimeOffset? ReadyAt,
    DateTimeOffset? EndedAt,
    WorkspacePhase? Outcome,
    AgentErrorCode? ErrorCode)
{
    public static WorkspaceStartView From(WorkspaceStart s) =>
        new(s.RequestedAt, s.LaunchedAt, s.AgentStartedAt, s.CloneStartedAt, s.CloneEndedAt, s.TasksStartedAt, s.ReadyAt, s.EndedAt, s.Outcome, s.ErrorCode);
}

public sealed record WorkspaceEventView(DateTimeOffset At, string Kind, string Message);

/// <summary>Everything the workspace page and <c>GET /api/workspaces/{id}</c> show.</summary>
public sealed record WorkspaceDetails(
    WorkspaceView Workspace,
    WorkspaceStartView? LastStart,
    IReadOnlyList<TaskState> Tasks,
    CloneProgress? CloneProgress,
    ConfigSummary? Config,
    IReadOnlyList<WorkspaceEventView> Events)
{
    /// <summary>What the agent found about the prebuild this start came from; null: none.</summary>
    public Shared.Prebuilds.PrebuildReport? Prebuild { get; init; }
}
