namespace Workspaces.Shared.Agent;

/// <summary>Where things live inside a workspace's persisted directory (a local directory or the pod's volume).</summary>
public sealed record WorkspaceLayout(string WorkspaceDirectory, string CheckoutDirectoryName)
{
    public string CheckoutDirectory => Path.Combine(WorkspaceDirectory, CheckoutDirectoryName);

    /// <summary>The agent's own files: runtime info, logs, markers. Hidden from the user's checkout.</summary>
    public string StateDirectory => Path.Combine(WorkspaceDirectory, ".workspace");

    public string RuntimeFile => Path.Combine(StateDirectory, AgentProtocol.RuntimeFileName);

    public string AgentLogFile => Path.Combine(StateDirectory, "agent.log");

    public string TaskLogDirectory => Path.Combine(StateDirectory, "tasks");

    /// <summary>Present once the init steps of the tasks have run: they run once per workspace, not once per start.</summary>
    public string InitDoneMarker => Path.Combine(StateDirectory, "init-done");

    public string TaskLogFile(int index) => Path.Combine(TaskLogDirectory, $"task-{index}.log");
}
