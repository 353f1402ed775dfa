namespace Workspaces.Data.Tokens;

/// <summary>An API token. Only its SHA-256 hash is stored; the token itself is shown once, at creation.</summary>
public sealed class PersonalAccessToken
{
    public required string Id { get; set; }

    public required string UserId { get; set; }

    public required string Name { get; set; }

    /// <summary>Lowercase hex SHA-256 of the whole token.</summary>
    public required string TokenHash { get; set; }

    /// <summary>The first characters of the token, to recognise it in the list.</summary>
    public required string Prefix { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }
}
