namespace Workspaces.WorkspaceAgent.Tasks;

/// <summary>The shell task scripts run in: bash, else sh (as a login shell with job control, on the task's terminal).</summary>
public sealed record TaskShell(string Shell)
{
    public static TaskShell Detect() => new(File.Exists("/bin/bash") ? "/bin/bash" : "/bin/sh");
}
