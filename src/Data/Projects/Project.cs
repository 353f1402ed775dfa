namespace Workspaces.Data.Projects;

/// <summary>A team's repository set up once: everyone who opens it gets a workspace with the same configuration.</summary>
public sealed class Project
{
    public required string Id { get; set; }

    public required string TeamId { get; set; }

    public required string Name { get; set; }

    public required string RepositoryUrl { get; set; }

    /// <summary>Null: the repository's default branch.</summary>
    public string? DefaultBranch { get; set; }

    /// <summary>The workspace image (used by container runtimes; the local runtime ignores it).</summary>
    public string? Image { get; set; }

    /// <summary>The workspace class (size) by name (used by container runtimes).</summary>
    public string? WorkspaceClass { get; set; }

    /// <summary>Null: the server's default idle timeout.</summary>
    public TimeSpan? IdleTimeout { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
