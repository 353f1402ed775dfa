using Workspaces.Data.Workspaces;
using Workspaces.Shared.Agent;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Workspaces.Workbench;

/// <summary>A running workspace whose task failed is not simply "Running": what the header and the status bar say instead.</summary>
public static class TaskFailures
{
    private const int LastLines = 5;

    /// <summary>"1 task failed", or null when none did (or the workspace is not running).</summary>
    public static string? Summary(WorkspaceView workspace, IReadOnlyList<TaskState> tasks)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(tasks);
        if (workspace.DesiredState != DesiredState.Running || workspace.Phase is not (WorkspacePhase.RunningTasks or WorkspacePhase.Ready))
        {
            return null;
        }

        var failed = tasks.Count(t => t.State == TaskRunState.Failed);
        return failed switch
        {
            0 => null,
            1 => "1 task failed",
            _ => $"{failed} tasks failed",
        };
    }

    /// <summary>The index of the first failed task, whose terminal the status bar's item shows.</summary>
    public static int? FirstFailed(IReadOnlyList<TaskState> tasks) =>
        tasks.FirstOrDefault(t => t.State == TaskRunState.Failed)?.Index;

    /// <summary>Which task failed, how, and the last lines of its output: for a tooltip and a screen reader.</summary>
    public static string Detail(IReadOnlyList<TaskState> tasks, IReadOnlyDictionary<int, TaskLog> logs)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(logs);
        return string.Join("\n\n", tasks.Where(t => t.State == TaskRunState.Failed).Select(t =>
        {
            var lines = (logs.GetValueOrDefault(t.Index)?.Text ?? "").TrimEnd().Split('\n');
            var tail = string.Join("\n", lines.TakeLast(LastLines)).TrimEnd();
            return $"{t.Name} failed in {t.Step ?? "its command"}{(t.ExitCode is { } code ? $" (exit code {code})" : "")}{(tail.Length > 0 ? ":\n" + tail : "")}";
        }));
    }
}
