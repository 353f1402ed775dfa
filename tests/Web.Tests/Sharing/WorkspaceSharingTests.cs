using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Workspaces.Web.Authorization;
using Workspaces.Web.Tests.Authorization;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Sharing;

/// <summary>Sharing a team workspace with named members, through the API the workspace page's Sharing panel uses.</summary>
public sealed class WorkspaceSharingTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Shares_AskedByTheOwner_NameEachPersonWithTheirAccess()
    {
        var world = await AccessWorld.CreateAsync(fixture.App, fixture.Admin);

        var shares = await AccessWorld.GetAsync(world.As(Relation.Owner), $"/api/workspaces/{world.WorkspaceId}/shares");

        var byEmail = shares.EnumerateArray().ToDictionary(s => s.GetProperty("email").GetString()!, s => s.GetProperty("access").GetString());
        Assert.Equal(
            new Dictionary<string, string?>
            {
                [await AccessWorld.EmailAsync(world.As(Relation.SharedFull))] = "Full",
                [await AccessWorld.EmailAsync(world.As(Relation.SharedReadOnly))] = "ReadOnly",
            },
            byEmail);
    }

    [Fact]
    public async Task Share_WithATeamMemberReadOnly_TheyMayWatchButNotType()
    {
        var world = await AccessWorld.CreateAsync(fixture.App, fixture.Admin);
        var member = world.As(Relation.TeamMember);
        var before = await PermissionsAsync(member, world.WorkspaceId);

        await AccessWorld.PostAsync(world.As(Relation.Owner), $"/api/workspaces/{world.WorkspaceId}/shares", new { email = await AccessWorld.EmailAsync(member), access = "ReadOnly" });

        var after = await PermissionsAsync(member, world.WorkspaceId);
        Assert.DoesNotContain(nameof(Permission.WorkspaceWatchTerminals), before);
        Assert.Contains(nameof(Permission.WorkspaceWatchTerminals), after);
        Assert.DoesNotContain(nameof(Permission.WorkspaceUseTerminals), after);
    }

    [Fact]
    public async Task Share_WithSomeoneOutsideTheTeam_RefusedSayingWhoItMayBeSharedWith()
    {
        var world = await AccessWorld.CreateAsync(fixture.App, fixture.Admin);

        using var response = await ShareAsync(world, by: Relation.Owner, with: Relation.Stranger);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("only with members of its team", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Share_BySomeoneItIsSharedWith_Forbidden()
    {
        var world = await AccessWorld.CreateAsync(fixture.App, fixture.Admin);

        using var response = await ShareAsync(world, by: Relation.SharedFull, with: Relation.TeamMember);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Only the workspace's owner may share it.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unshare_ByTheOwner_ThePersonLosesTheWorkspaceAndDisappearsFromTheList()
    {
        var world = await AccessWorld.CreateAsync(fixture.App, fixture.Admin);
        var shared = world.As(Relation.SharedFull);
        var sharedId = await AccessWorld.UserIdAsync(shared);

        using var response = await world.As(Relation.Owner).Http.DeleteAsync(new Uri($"/api/workspaces/{world.WorkspaceId}/shares/{sharedId}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.DoesNotContain(nameof(Permission.WorkspaceUseTerminals), await PermissionsAsync(shared, world.WorkspaceId));
        var shares = await AccessWorld.GetAsync(world.As(Relation.Owner), $"/api/workspaces/{world.WorkspaceId}/shares");
        Assert.DoesNotContain(shares.EnumerateArray(), s => s.GetProperty("userId").GetString() == sharedId);
    }

    [Fact]
    public async Task Unshare_BySomeoneItIsSharedWith_DropsTheirOwnShare()
    {
        var world = await AccessWorld.CreateAsync(fixture.App, fixture.Admin);
        var shared = world.As(Relation.SharedReadOnly);

        using var response = await shared.Http.DeleteAsync(new Uri($"/api/workspaces/{world.WorkspaceId}/shares/{await AccessWorld.UserIdAsync(shared)}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.DoesNotContain(nameof(Permission.WorkspaceWatchTerminals), await PermissionsAsync(shared, world.WorkspaceId));
    }

    private static async Task<HttpResponseMessage> ShareAsync(AccessWorld world, Relation by, Relation with) =>
        await world.As(by).Http.PostAsJsonAsync($"/api/workspaces/{world.WorkspaceId}/shares", new { email = await AccessWorld.EmailAsync(world.As(with)), access = "Full" });

    /// <summary>What the workspace page offers the user: none when it is not theirs to see at all.</summary>
    private static async Task<IReadOnlyList<string>> PermissionsAsync(ApiClient client, string workspaceId)
    {
        using var response = await client.Http.GetAsync(new Uri($"/api/workspaces/{workspaceId}/access", UriKind.Relative));
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }

        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. document.RootElement.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()!)];
    }
}
