using Microsoft.Extensions.DependencyInjection;
using Workspaces.Web.Audit;
using Workspaces.Web.Tests.Authorization;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Audit;

/// <summary>The audit log page's search: filters by the names people know, targets named and linked, a page at a time.</summary>
public sealed class AuditSearchTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Search_ByTeamAndPersonName_ReturnsThatTeamsAndItsProjectsEventsNamed()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        using var lead = await fixture.App.CreateUserAsync($"lead-{suffix}@example.com");
        var teamId = (await AccessWorld.PostAsync(lead, "/api/teams", new { name = $"Alpha {suffix}" })).GetProperty("id").GetString()!;
        var projectId = (await AccessWorld.PostAsync(lead, $"/api/teams/{teamId}/projects", new { name = $"Storefront {suffix}", repositoryUrl = "https://git.example.com/acme/store.git" }))
            .GetProperty("id").GetString()!;
        using var other = await fixture.App.CreateUserAsync();
        await AccessWorld.PostAsync(other, "/api/teams", new { name = $"Beta {suffix}" });
        var search = fixture.App.Services.GetRequiredService<AuditSearch>();

        var byTeam = await search.SearchAsync(new AuditQuery(Team: $"alpha {suffix}"), 0, CancellationToken.None);
        var byPerson = await search.SearchAsync(new AuditQuery(Person: $"LEAD-{suffix}", Action: "project."), 0, CancellationToken.None);
        var byProject = await search.SearchAsync(new AuditQuery(Project: $"storefront {suffix}"), 0, CancellationToken.None);

        Assert.Equal(["project.created", "team.created"], byTeam.Entries.Select(e => e.Action));
        Assert.Contains(byTeam.Entries, e => e.Action == "team.created" && e.TargetName == $"Alpha {suffix}" && e.TargetLink == $"/teams/{teamId}");
        Assert.Contains(byTeam.Entries, e => e.Action == "project.created" && e.TargetName == $"Storefront {suffix}" && e.TargetLink == $"/projects/{projectId}");
        Assert.Equal(["project.created"], byPerson.Entries.Select(e => e.Action));
        Assert.Equal([$"Storefront {suffix}"], byProject.Entries.Select(e => e.TargetName));
        Assert.False(byTeam.HasMore);
    }

    [Fact]
    public async Task Search_MoreThanAPage_PagesThroughTheOlderEvents()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        using var lead = await fixture.App.CreateUserAsync($"pager-{suffix}@example.com");
        var teamId = (await AccessWorld.PostAsync(lead, "/api/teams", new { name = $"Paged {suffix}" })).GetProperty("id").GetString()!;
        for (var i = 0; i < AuditSearch.PageSize; i++)
        {
            await AccessWorld.PostAsync(lead, $"/api/teams/{teamId}/invitations", new { maxUses = 1 });
        }

        var search = fixture.App.Services.GetRequiredService<AuditSearch>();
        var first = await search.SearchAsync(new AuditQuery(Team: $"paged {suffix}"), 0, CancellationToken.None);
        var second = await search.SearchAsync(new AuditQuery(Team: $"paged {suffix}"), 1, CancellationToken.None);

        Assert.Equal(AuditSearch.PageSize, first.Entries.Count);
        Assert.True(first.HasMore);
        Assert.Equal(["team.created"], second.Entries.Select(e => e.Action));
        Assert.False(second.HasMore);
    }
}
