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

    /// <summary>
    /// The home directory of the workspace's processes once dotfiles are installed: the workspace's own, so that
    /// installing dotfiles never touches the home of the user the service runs as (the local runtime).
    /// </summary>
    public string HomeDirectory => Path.Combine(WorkspaceDirectory, ".home");

    /// <summary>Where the dotfiles repository is cloned.</summary>
    public string DotfilesDirectory => Path.Combine(StateDirectory, "dotfiles");

    /// <summary>What installing the dotfiles printed: the user reads it in a terminal.</summary>
    public string DotfilesLogFile => Path.Combine(StateDirectory, "dotfiles.log");

    /// <summary>Project secrets injected as files (mode 0600), each named by <c>NAME_FILE</c>.</summary>
    public string SecretsDirectory => Path.Combine(StateDirectory, "secrets");

    public string TaskLogFile(int index) => Path.Combine(TaskLogDirectory, $"task-{index}.log");
}
