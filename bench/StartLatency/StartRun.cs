namespace Workspaces.StartLatency;

/// <summary>
/// One timed start: the wall time a client saw, the phases as the server recorded them, and the CPU time the agent
/// (with its clone worker) and the web app spent on it.
/// </summary>
internal sealed record StartRun(TimeSpan Wall, WorkspaceStartDto Start, TimeSpan AgentCpu, TimeSpan WebCpu)
{
    /// <summary>Whether the start came from a prebuild (null when the server said nothing about prebuilds).</summary>
    public WorkspacePrebuildDto? Prebuild { get; init; }

    /// <summary>Request recorded → the reconciler launches the agent (queue, database, runtime observation).</summary>
    public TimeSpan Queued => Between(Start.RequestedAt, Start.LaunchedAt);

    /// <summary>Launch → the agent starts cloning (process start-up, Kestrel, runtime file).</summary>
    public TimeSpan AgentStart => Between(Start.LaunchedAt, Start.CloneStartedAt);

    /// <summary>The clone in the agent's worker process, checkout included.</summary>
    public TimeSpan Cloning => Between(Start.CloneStartedAt, Start.CloneEndedAt);

    /// <summary>Clone done → Ready recorded by the web app (configuration, tasks, the status reaching the web app).</summary>
    public TimeSpan TasksAndReport => Between(Start.CloneEndedAt, Start.ReadyAt);

    /// <summary>What the client saw beyond the server's own record: the POST before the request was recorded, and polling after Ready.</summary>
    public TimeSpan ApiAndPolling => Wall - Between(Start.RequestedAt, Start.ReadyAt);

    private static TimeSpan Between(DateTimeOffset? from, DateTimeOffset? to) => from is { } f && to is { } t ? t - f : TimeSpan.Zero;
}

/// <summary>One timed <c>git clone</c>: wall time, and CPU time of git and the helpers it ran.</summary>
internal sealed record GitClone(TimeSpan Wall, TimeSpan Cpu);

/// <summary>The timed starts and clones of one repository.</summary>
internal sealed record RepositoryResult(string Name, string Description, TimeSpan Target, IReadOnlyList<StartRun> Starts, IReadOnlyList<GitClone> GitClones, double? CpuPressure)
{
    public Stats Wall => Stats.Of(Starts.Select(s => s.Wall));

    public Stats Git => Stats.Of(GitClones.Select(c => c.Wall));

    public Stats GitCpu => Stats.Of(GitClones.Select(c => c.Cpu));

    public Stats Phase(Func<StartRun, TimeSpan> phase) => Stats.Of(Starts.Select(phase));
}
