namespace Workspaces.Web.Workspaces;

/// <summary>Why a workspace's desired state changed, as shown to the user.</summary>
public static class WorkspaceReasons
{
    public const string StoppedByUser = "Stopped by you.";
    public const string Restart = "Restart requested.";

    /// <summary>The reason as a metric label: user, idle or admin (a stop the system made for a membership change).</summary>
    public static string Kind(string? reason) =>
        reason == StoppedByUser ? "user"
        : reason?.StartsWith("Stopped after ", StringComparison.Ordinal) == true ? "idle"
        : "admin";

    public static string Idle(TimeSpan timeout) =>
        $"Stopped after {FormatDuration(timeout)} without activity. Your files are kept; start it to continue.";

    public static string FormatDuration(TimeSpan t) =>
        t.TotalHours >= 1 && t.Minutes == 0 ? $"{t.TotalHours:0} hour{(t.TotalHours >= 2 ? "s" : "")}"
        : $"{t.TotalMinutes:0} minute{(t.TotalMinutes >= 2 ? "s" : "")}";
}
