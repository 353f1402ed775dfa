namespace Workspaces.Data.Credentials;

/// <summary>A user's token for one Git host. The token is encrypted with Data Protection and never shown back.</summary>
public sealed class GitCredentialRecord
{
    public long Id { get; set; }

    public required string UserId { get; set; }

    /// <summary>Lowercase host name, with the port if not the default (e.g. <c>github.com</c>, <c>git.example.com:8443</c>).</summary>
    public required string Host { get; set; }

    public required string Username { get; set; }

    public required string ProtectedToken { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
