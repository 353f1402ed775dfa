using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Workspaces.Web.Authorization;
using Workspaces.Web.Projects;

namespace Workspaces.Web.Teams;

/// <summary>Invitation links and where joining lands: the person should be one click away from a workspace.</summary>
public sealed partial class TeamService
{
    /// <summary>An invitation's link: <c>/invite/wsi_…</c>, with <c>?project=…</c> when it was made for one project.</summary>
    public static string InvitationPath(string token, string? projectId) =>
        InvitationPathPrefix + token + (projectId is null ? "" : "?project=" + Uri.EscapeDataString(projectId));

    /// <summary>The token and project of a local invitation link, or null for any other path.</summary>
    public static (string Token, string? ProjectId)? ParseInvitationPath(string? path)
    {
        if (path is null || !path.StartsWith(InvitationPathPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = path[InvitationPathPrefix.Length..];
        var query = rest.IndexOf('?', StringComparison.Ordinal);
        var token = query < 0 ? rest : rest[..query];
        var projectId = query < 0 ? null : QueryHelpers.ParseQuery(rest[query..]).GetValueOrDefault("project").ToString();
        return token.Length == 0 ? null : (token, string.IsNullOrEmpty(projectId) ? null : projectId);
    }

    /// <summary>
    /// Accepts the invitation behind <paramref name="invitationPath"/> and answers where to go next: the project's
    /// confirmation when the link was made for one of the team's projects, else the team's projects.
    /// </summary>
    public async Task<Outcome<string>> JoinAsync(string userId, string invitationPath, CancellationToken cancellationToken)
    {
        if (ParseInvitationPath(invitationPath) is not { } link)
        {
            return Outcome<string>.NotFound();
        }

        var accepted = await AcceptAsync(userId, link.Token, cancellationToken);
        if (accepted.Value is not { } team)
        {
            return new Outcome<string>(accepted.Kind, null, accepted.Field, accepted.Error);
        }

        return Outcome<string>.Ok(await LandingPathAsync(team.Id, link.ProjectId, cancellationToken));
    }

    private async Task<string> LandingPathAsync(string teamId, string? projectId, CancellationToken cancellationToken)
    {
        if (projectId is not null)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            if (await db.Projects.AnyAsync(p => p.Id == projectId && p.TeamId == teamId, cancellationToken))
            {
                return ProjectView.OpenPathOf(projectId);
            }
        }

        return $"/teams/{teamId}#projects";
    }
}
