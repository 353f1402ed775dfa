using Workspaces.Shared.Configuration;

namespace Workspaces.Data.Previews;

/// <summary>The visibility the owner chose for one port of a workspace (without a row, the configuration's, else private).</summary>
public sealed class PreviewPortSetting
{
    public required string WorkspaceId { get; set; }

    /// <summary>A Service of the workspace's development namespace whose port this is; empty for a port of the workspace itself.</summary>
    public string Service { get; set; } = "";

    public int Port { get; set; }

    public PortVisibility Visibility { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
