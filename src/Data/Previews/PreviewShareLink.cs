namespace Workspaces.Data.Previews;

/// <summary>
/// A link that lets anyone who has it open one port of one workspace until it expires or is revoked. Only the SHA-256
/// of its token is stored; the token is shown once, when the link is made.
/// </summary>
public sealed class PreviewShareLink
{
    public required string Id { get; set; }

    public required string WorkspaceId { get; set; }

    /// <summary>A Service of the workspace's development namespace whose port the link opens; empty for a port of the workspace itself.</summary>
    public string Service { get; set; } = "";

    public int Port { get; set; }

    /// <summary>Lowercase hex SHA-256 of the token.</summary>
    public required string TokenHash { get; set; }

    public string? Label { get; set; }

    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public int UseCount { get; set; }
}
