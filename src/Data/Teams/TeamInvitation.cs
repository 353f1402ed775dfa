namespace Workspaces.Data.Teams;

/// <summary>
/// A link that lets whoever has it join a team. Only the hash of the link's token is stored. An invitation by email
/// address names who it is for; there is no mail server, so the inviter passes the link on.
/// </summary>
public sealed class TeamInvitation
{
    public required string Id { get; set; }

    public required string TeamId { get; set; }

    public required string TokenHash { get; set; }

    /// <summary>Set for an invitation by email: only an account with this (verified or signed-up) address may accept it.</summary>
    public string? Email { get; set; }

    public TeamRole Role { get; set; }

    public required string CreatedById { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Null: any number of uses until it expires or is revoked.</summary>
    public int? MaxUses { get; set; }

    public int Uses { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
