namespace Workspaces.Data.Variables;

/// <summary>A user's own environment variable, for their workspaces whose repository matches the pattern. Encrypted, write-only.</summary>
public sealed class UserVariable
{
    public long Id { get; set; }

    public required string UserId { get; set; }

    public required string Name { get; set; }

    public required string ProtectedValue { get; set; }

    /// <summary><c>*/*</c> for every repository; else <c>owner/repo</c> with <c>*</c> wildcards, matched against the repository's path.</summary>
    public required string RepositoryPattern { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
