using System.Net;
using System.Net.Http.Json;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Previews;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Previews;
using Workspaces.Web.Tests.Authorization;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Previews;

/// <summary>The "team" visibility of a preview port: members of the workspace's team get in, nobody else, and not after leaving.</summary>
public sealed class TeamPreviewTests(AppFixture fixture) : IClassFixture<AppFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly GitRepositoryFixture _repositories = new();
    private readonly PreviewBrowser _memberBrowser = new(fixture.App);
    private readonly PreviewBrowser _strangerBrowser = new(fixture.App);

    public void Dispose()
    {
        _memberBrowser.Dispose();
        _strangerBrowser.Dispose();
        _repositories.Dispose();
    }

    [Fact]
    public async Task TeamVisiblePort_MemberStrangerAndRemovedMember_OnlyACurrentMemberGetsIn()
    {
        var port = PreviewServer.FreePort();
        var repository = await _repositories.CreateAsync($"team-preview-{Guid.NewGuid():N}", PreviewWorkspace.Repository(port));
        var (lead, owner, member, stranger) = (await NewUserAsync("lead"), await NewUserAsync("owner"), await NewUserAsync("member"), await NewUserAsync("stranger"));
        var teamId = (await AccessWorld.PostAsync(lead.Api, "/api/teams", new { name = "Preview team" })).GetProperty("id").GetString()!;
        await AccessWorld.JoinAsync(lead.Api, owner.Api, teamId);
        await AccessWorld.JoinAsync(lead.Api, member.Api, teamId);
        var projectId = (await AccessWorld.PostAsync(lead.Api, $"/api/teams/{teamId}/projects", new { name = "site", repositoryUrl = repository.FileUrl })).GetProperty("id").GetString()!;
        var id = (await AccessWorld.PostAsync(owner.Api, $"/api/projects/{projectId}/workspaces", new { })).GetProperty("id").GetString()!;
        await PreviewWorkspace.WaitUntilServingAsync(owner.Api, id, port, Timeout);
        var url = _memberBrowser.Url(id, port, "/headers");

        // Private (the default): the member is not let in by the IDE.
        using (var first = await _memberBrowser.GetAsync(url))
        using (var refused = await member.Session.SendAsync(_memberBrowser.Http, new HttpRequestMessage(HttpMethod.Get, first.Headers.Location)))
        {
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        }

        // Public for a moment: an anonymous visitor connects; narrowing to Team cuts them off.
        using (var made = await owner.Api.Http.PutAsJsonAsync($"/api/workspaces/{id}/ports/{port}/visibility", new { visibility = "Public" }))
        {
            Assert.Equal(HttpStatusCode.OK, made.StatusCode);
        }

        using var cancel = new CancellationTokenSource(Timeout);
        using var anonymous = new PreviewBrowser(fixture.App);
        using var socket = await anonymous.ConnectWebSocketAsync(anonymous.Url(id, port, "/ws"), cancel.Token);
        Assert.Equal("before", await PreviewProxyTests.EchoAsync(socket, "before", cancel.Token));

        using (var visible = await owner.Api.Http.PutAsJsonAsync($"/api/workspaces/{id}/ports/{port}/visibility", new { visibility = "Team" }))
        {
            Assert.Equal(HttpStatusCode.OK, visible.StatusCode);
        }

        await PreviewProxyTests.AssertCutAsync(socket, cancel.Token);

        await _memberBrowser.SignInAsOwnerAsync(member.Session, id, port);
        using (var opened = await _memberBrowser.GetAsync(url, html: false))
        {
            Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        }

        using (var first = await _strangerBrowser.GetAsync(url))
        using (var refused = await stranger.Session.SendAsync(_strangerBrowser.Http, new HttpRequestMessage(HttpMethod.Get, first.Headers.Location)))
        {
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        }

        var memberId = await AccessWorld.UserIdAsync(member.Api);
        using (var removed = await lead.Api.Http.DeleteAsync(new Uri($"/api/teams/{teamId}/members/{memberId}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        using (var after = await _memberBrowser.GetAsync(url, html: false))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        }

        using var audit = await fixture.Admin.Http.GetAsync(new Uri($"/api/admin/audit?target={id}", UriKind.Relative));
        Assert.Contains("port-visibility-changed", await audit.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<(ApiClient Api, BrowserSession Session)> NewUserAsync(string name)
    {
        var email = $"{name}-{Guid.NewGuid():N}@example.com";
        var api = await fixture.App.CreateUserAsync(email);
        return (api, await BrowserSession.SignInAsync(fixture.App, email, TestApp.Password));
    }
}
