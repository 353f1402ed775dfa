namespace Workspaces.Shared.Agent;

/// <summary>The agent's view of its workspace, served at <see cref="AgentProtocol.StatusPath"/>.</summary>
/// <param name="Version">Grows with every change; long polls wait for a version above the one the caller has.</param>
/// <param name="Git">Uncommitted changes and unpushed commits of the checkout, refreshed now and then; null before the first check or outside a repository.</param>
public sealed record AgentStatus(
    long Version,
    WorkspacePhase Phase,
    CloneProgress? CloneProgress,
    IReadOnlyList<PhaseTiming> Phases,
    AgentError? Error,
    IReadOnlyList<TaskState> Tasks,
    ConfigSummary? Config,
    DateTimeOffset AgentStartedAt,
    Workspaces.Shared.SourceControl.GitSummary? Git = null)
{
    /// <summary>The workspace's ports: listening now or declared by the configuration, ordered by number.</summary>
    public IReadOnlyList<WorkspacePort> Ports { get; init; } = [];

    /// <summary>What this start has to do with a prebuild; null: nothing.</summary>
    public Prebuilds.PrebuildReport? Prebuild { get; init; }
}

/// <summary>Transfer progress of the clone, as LibGit2Sharp reports it.</summary>
public sealed record CloneProgress(int TotalObjects, int ReceivedObjects, int IndexedObjects, long ReceivedBytes, int CheckedOutFiles, int TotalFilesToCheckOut)
{
    /// <summary>0..1 over the whole clone: receiving counts for 80 %, checking out for 20 %.</summary>
    public double Fraction
    {
        get
        {
            var receive = TotalObjects == 0 ? 0 : (double)ReceivedObjects / TotalObjects;
            var checkout = TotalFilesToCheckOut == 0 ? 0 : (double)CheckedOutFiles / TotalFilesToCheckOut;
            return Math.Clamp((0.8 * receive) + (0.2 * checkout), 0, 1);
        }
    }
}

public sealed record PhaseTiming(WorkspacePhase Phase, DateTimeOffset StartedAt, DateTimeOffset? EndedAt);

/// <summary>An error with a message the user can act on. Never carries a credential.</summary>
public sealed record AgentError(AgentErrorCode Code, string Message, string Advice);

public enum TaskRunState
{
    Pending,
    Running,
    Succeeded,
    Failed,
    Skipped,
}

/// <summary>One task from the repository's configuration.</summary>
/// <param name="Index">Position in the configuration; the log is served at <c>/api/tasks/{Index}/log</c>.</param>
/// <param name="Step">The step now running or last run: before, init or command.</param>
public sealed record TaskState(int Index, string Name, TaskRunState State, string? Step, int? ExitCode, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt);

/// <summary>Which configuration file the agent read and what it had to say about it.</summary>
public sealed record ConfigSummary(string? Source, string? Image, IReadOnlyList<string> Warnings, IReadOnlyList<string> Errors);
