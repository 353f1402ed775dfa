namespace Workspaces.Data.Teams;

public sealed class TeamMember
{
    public required string TeamId { get; set; }

    public required string UserId { get; set; }

    public TeamRole Role { get; set; }

    public DateTimeOffset JoinedAt { get; set; }
}
