namespace Workspaces.Data.Workspaces;

/// <summary>Something that happened to a workspace that the user should be able to see (an agent restarted, an idle stop).</summary>
public sealed class WorkspaceEvent
{
    public long Id { get; set; }

    public required string WorkspaceId { get; set; }

    public DateTimeOffset At { get; set; }

    public required string Kind { get; set; }

    public required string Message { get; set; }
}
