namespace Workspaces.WorkspaceAgent.Tasks;

/// <summary>How task scripts run: a login shell (bash, else sh), in a session of their own when <c>setsid</c> is there.</summary>
public sealed record TaskShell(string Shell, string? Setsid)
{
    private static readonly string[] SetsidLocations = ["/usr/bin/setsid", "/bin/setsid", "/usr/sbin/setsid", "/sbin/setsid"];

    public static TaskShell Detect() => new(
        File.Exists("/bin/bash") ? "/bin/bash" : "/bin/sh",
        SetsidLocations.FirstOrDefault(File.Exists));
}
