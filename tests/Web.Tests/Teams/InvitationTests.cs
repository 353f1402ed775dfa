using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.Data;
using Workspaces.Web.Tests.Authorization;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Teams;

/// <summary>Invitation links: they expire, are used up, can be revoked, and one made for an address is for that address.</summary>
public sealed class InvitationTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task SingleUseLink_SecondPerson_IsToldItWasUsed()
    {
        var (lead, teamId) = await TeamAsync();
        var token = await InviteAsync(lead, teamId, new { maxUses = 1 });
        using var first = await fixture.App.CreateUserAsync();
        using var second = await fixture.App.CreateUserAsync();

        Assert.Equal(HttpStatusCode.OK, await AcceptAsync(first, token));
        var refused = await AcceptWithBodyAsync(second, token);

        Assert.Equal(HttpStatusCode.Gone, refused.Status);
        Assert.Contains("already been used", refused.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(second.Http.GetAsync(new Uri($"/api/teams/{teamId}", UriKind.Relative))));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(first.Http.GetAsync(new Uri($"/api/teams/{teamId}", UriKind.Relative))));
    }

    [Fact]
    public async Task MultiUseLink_SeveralPeople_AllJoinAndUsesAreCounted()
    {
        var (lead, teamId) = await TeamAsync();
        var token = await InviteAsync(lead, teamId, new { maxUses = 3 });
        for (var i = 0; i < 3; i++)
        {
            using var joining = await fixture.App.CreateUserAsync();
            Assert.Equal(HttpStatusCode.OK, await AcceptAsync(joining, token));
        }

        using var fourth = await fixture.App.CreateUserAsync();
        Assert.Equal(HttpStatusCode.Gone, await AcceptAsync(fourth, token));
        var team = await GetJsonAsync(lead, $"/api/teams/{teamId}");
        Assert.Equal(4, team.GetProperty("members").GetArrayLength());
        Assert.Contains(team.GetProperty("invitations").EnumerateArray(), i => i.GetProperty("uses").GetInt32() == 3 && i.GetProperty("status").GetString() == "UsedUp");
    }

    [Fact]
    public async Task ExpiredLink_Accepting_IsRefusedWithAReason()
    {
        var (lead, teamId) = await TeamAsync();
        var token = await InviteAsync(lead, teamId, new { expiresInHours = 1 });
        var factory = fixture.App.Services.GetRequiredService<IDbContextFactory<WorkspacesDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            var past = DateTimeOffset.UtcNow.AddMinutes(-1);
            await db.TeamInvitations.Where(i => i.TeamId == teamId).ExecuteUpdateAsync(s => s.SetProperty(i => i.ExpiresAt, past));
        }

        using var late = await fixture.App.CreateUserAsync();
        var refused = await AcceptWithBodyAsync(late, token);

        Assert.Equal(HttpStatusCode.Gone, refused.Status);
        Assert.Contains("expired", refused.Body, StringComparison.Ordinal);
        using var anonymous = fixture.App.Anonymous();
        var preview = await GetJsonAsync(anonymous, $"/api/invitations/{token}");
        Assert.Contains("expired", preview.GetProperty("problem").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokedLink_Accepting_IsRefused()
    {
        var (lead, teamId) = await TeamAsync();
        var created = await AccessWorld.PostAsync(lead, $"/api/teams/{teamId}/invitations", new { });
        var token = created.GetProperty("path").GetString()!["/invite/".Length..];
        var invitationId = created.GetProperty("invitation").GetProperty("id").GetString();

        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(lead.Http.DeleteAsync(new Uri($"/api/teams/{teamId}/invitations/{invitationId}", UriKind.Relative))));
        using var joining = await fixture.App.CreateUserAsync();
        var refused = await AcceptWithBodyAsync(joining, token);

        Assert.Equal(HttpStatusCode.Gone, refused.Status);
        Assert.Contains("revoked", refused.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmailInvitation_SomeoneElse_IsRefusedAndTheAddresseeJoins()
    {
        var (lead, teamId) = await TeamAsync();
        var addressee = $"invited-{Guid.NewGuid():N}@example.com";
        var token = await InviteAsync(lead, teamId, new { email = addressee });
        using var other = await fixture.App.CreateUserAsync();

        var refused = await AcceptWithBodyAsync(other, token);
        using var invited = await fixture.App.CreateUserAsync(addressee);

        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains(addressee, refused.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await AcceptAsync(invited, token));
    }

    [Fact]
    public async Task MemberAction_OwnerOnlyThings_AreForbiddenAndTheLastOwnerStays()
    {
        var (lead, teamId) = await TeamAsync();
        using var member = await fixture.App.CreateUserAsync();
        await AccessWorld.JoinAsync(lead, member, teamId);
        var leadId = await AccessWorld.UserIdAsync(lead);

        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(member.Http.PostAsJsonAsync($"/api/teams/{teamId}/invitations", new { })));
        Assert.Equal(HttpStatusCode.Conflict, await StatusAsync(lead.Http.DeleteAsync(new Uri($"/api/teams/{teamId}/members/{leadId}", UriKind.Relative))));
    }

    [Fact]
    public async Task ProjectInvitation_Joining_LandsOnThatProjectsConfirmationAndNoOtherTeamsProject()
    {
        var (lead, teamId) = await TeamAsync();
        var projectId = await ProjectAsync(lead, teamId);
        var (otherLead, otherTeamId) = await TeamAsync();
        var otherProjectId = await ProjectAsync(otherLead, otherTeamId);
        var created = await AccessWorld.PostAsync(lead, $"/api/teams/{teamId}/invitations", new { maxUses = 2, projectId });
        var path = created.GetProperty("path").GetString()!;
        var teams = fixture.App.Services.GetRequiredService<global::Workspaces.Web.Teams.TeamService>();
        using var joining = await fixture.App.CreateUserAsync();
        using var tampering = await fixture.App.CreateUserAsync();

        var landing = await teams.JoinAsync(await AccessWorld.UserIdAsync(joining), path, CancellationToken.None);
        var elsewhere = await teams.JoinAsync(await AccessWorld.UserIdAsync(tampering), path.Replace(projectId, otherProjectId, StringComparison.Ordinal), CancellationToken.None);

        Assert.Equal($"/invite/{path["/invite/".Length..].Split('?')[0]}?project={projectId}", path);
        Assert.Equal($"/projects/{projectId}/open", landing.Value);
        Assert.Equal($"/teams/{teamId}#projects", elsewhere.Value);
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(tampering.Http.GetAsync(new Uri($"/api/projects/{otherProjectId}", UriKind.Relative))));
    }

    [Fact]
    public async Task ProjectInvitation_AnotherTeamsProject_IsRefused()
    {
        var (lead, teamId) = await TeamAsync();
        var (otherLead, otherTeamId) = await TeamAsync();
        var otherProjectId = await ProjectAsync(otherLead, otherTeamId);

        using var response = await lead.Http.PostAsJsonAsync($"/api/teams/{teamId}/invitations", new { projectId = otherProjectId });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Not a project of this team", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<string> ProjectAsync(ApiClient lead, string teamId) =>
        (await AccessWorld.PostAsync(lead, $"/api/teams/{teamId}/projects", new { name = "web", repositoryUrl = "https://git.example.com/acme/web.git" }))
            .GetProperty("id").GetString()!;

    private async Task<(ApiClient Lead, string TeamId)> TeamAsync()
    {
        var lead = await fixture.App.CreateUserAsync();
        var team = await AccessWorld.PostAsync(lead, "/api/teams", new { name = "Platform" });
        return (lead, team.GetProperty("id").GetString()!);
    }

    private static async Task<string> InviteAsync(ApiClient lead, string teamId, object request) =>
        (await AccessWorld.PostAsync(lead, $"/api/teams/{teamId}/invitations", request)).GetProperty("path").GetString()!["/invite/".Length..];

    private static async Task<HttpStatusCode> AcceptAsync(ApiClient user, string token) => (await AcceptWithBodyAsync(user, token)).Status;

    private static async Task<(HttpStatusCode Status, string Body)> AcceptWithBodyAsync(ApiClient user, string token)
    {
        using var response = await user.Http.PostAsync(new Uri($"/api/invitations/{token}/accept", UriKind.Relative), null);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> GetJsonAsync(ApiClient user, string path)
    {
        using var response = await user.Http.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<HttpStatusCode> StatusAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        return response.StatusCode;
    }
}
