namespace Workspaces.Data.Workspaces;

public enum WorkspaceShareAccess
{
    /// <summary>Sees the workspace and watches its terminals.</summary>
    ReadOnly,

    /// <summary>Also types into terminals and edits (the editor).</summary>
    Full,
}

/// <summary>A workspace shared by its owner with a named member of the workspace's team.</summary>
public sealed class WorkspaceShare
{
    public required string WorkspaceId { get; set; }

    public required string UserId { get; set; }

    public WorkspaceShareAccess Access { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
