namespace Workspaces.Data.Teams;

/// <summary>A group of users who share projects (and with them variables, secrets and workspaces).</summary>
public sealed class Team
{
    public required string Id { get; set; }

    public required string Name { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
