namespace Workspaces.Data.Teams;

public enum TeamRole
{
    /// <summary>Uses the team's projects.</summary>
    Member,

    /// <summary>Also manages members, invitations, projects and their secrets.</summary>
    Owner,
}
