using Workspaces.Data.Teams;

namespace Workspaces.Web.Teams;

public sealed record TeamSummary(string Id, string Name, TeamRole Role, int MemberCount);

/// <param name="Role">The caller's role; null for an administrator who is not a member.</param>
public sealed record TeamDetails(
    string Id,
    string Name,
    TeamRole? Role,
    bool CanManage,
    IReadOnlyList<TeamMemberView> Members,
    IReadOnlyList<InvitationView> Invitations,
    IReadOnlyList<TeamProjectView> Projects);

public sealed record TeamMemberView(string UserId, string Email, TeamRole Role, DateTimeOffset JoinedAt);

public sealed record TeamProjectView(string Id, string Name, string RepositoryUrl);

/// <param name="Status">Active, Expired, UsedUp or Revoked.</param>
public sealed record InvitationView(
    string Id, string? Email, TeamRole Role, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, int? MaxUses, int Uses, DateTimeOffset? RevokedAt, string Status)
{
    public static InvitationView From(TeamInvitation i, DateTimeOffset now) => new(
        i.Id, i.Email, i.Role, i.CreatedAt, i.ExpiresAt, i.MaxUses, i.Uses, i.RevokedAt,
        i.RevokedAt is not null ? "Revoked" : i.ExpiresAt <= now ? "Expired" : i.MaxUses is { } max && i.Uses >= max ? "UsedUp" : "Active");
}

/// <param name="Path">The invitation's link (<c>/invite/wsi_…</c>): shown once, to pass on.</param>
public sealed record CreatedInvitation(InvitationView Invitation, string Path);

/// <param name="Email">Set when the invitation is for one address.</param>
/// <param name="Problem">Why it cannot be accepted (expired, used, revoked), or null.</param>
public sealed record InvitationPreview(string TeamId, string TeamName, TeamRole Role, string? Email, string? Problem);

/// <param name="ProjectId">A project of the team: joining through the link goes straight to opening it.</param>
public sealed record InvitationRequest(string? Email, TeamRole? Role, int? ExpiresInHours, int? MaxUses, string? ProjectId = null);
