namespace Workspaces.WorkspaceAgent.Tasks;

public sealed class TaskRunnerOptions
{
    /// <summary>How long a task's processes get to exit after SIGTERM before they are killed.</summary>
    public TimeSpan StopGracePeriod { get; set; } = TimeSpan.FromSeconds(3);

    public TaskShell Shell { get; set; } = TaskShell.Detect();
}
