using System.Net;
using Workspaces.Web.Audit;
using Workspaces.Web.Authorization;
using Workspaces.Web.Tests.Authorization;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Admin;

/// <summary>The administration API behind the Admin page: every account and workspace, blocking, the audit trail.</summary>
public sealed class AdminApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Users_AskedByANonAdministrator_ForbiddenSayingWhoMay()
    {
        using var user = await fixture.App.CreateUserAsync();

        using var response = await user.Http.GetAsync(new Uri("/api/admin/users", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Only administrators may do this.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Users_AskedByTheAdministrator_ListEveryAccountWithItsWorkspaces()
    {
        var world = await AccessWorld.CreateAsync(fixture.App, fixture.Admin);
        var ownerEmail = await AccessWorld.EmailAsync(world.As(Relation.Owner));
        var memberEmail = await AccessWorld.EmailAsync(world.As(Relation.TeamMember));

        var users = await AccessWorld.GetAsync(fixture.Admin, "/api/admin/users");

        var workspacesByEmail = users.EnumerateArray().ToDictionary(u => u.GetProperty("email").GetString()!, u => u.GetProperty("workspaces").GetInt32());
        Assert.Equal(1, workspacesByEmail[ownerEmail]);
        Assert.Equal(0, workspacesByEmail[memberEmail]);
    }

    [Fact]
    public async Task Workspaces_AskedByTheAdministrator_NameTheOwnerAndTheProject()
    {
        var world = await AccessWorld.CreateAsync(fixture.App, fixture.Admin);

        var workspaces = await AccessWorld.GetAsync(fixture.Admin, "/api/admin/workspaces");

        var row = Assert.Single(workspaces.EnumerateArray(), w => w.GetProperty("workspace").GetProperty("id").GetString() == world.WorkspaceId);
        Assert.Equal(await AccessWorld.EmailAsync(world.As(Relation.Owner)), row.GetProperty("ownerEmail").GetString());
        Assert.Equal(world.ProjectId, row.GetProperty("projectId").GetString());
    }

    [Fact]
    public async Task Block_Themselves_RefusedWithAReason()
    {
        var adminId = await AccessWorld.UserIdAsync(fixture.Admin);

        using var response = await fixture.Admin.Http.PostAsync(new Uri($"/api/admin/users/{adminId}/block", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("You cannot block yourself.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BlockThenUnblock_AUser_TheirTokenWorksAgainAndTheAuditLogHasBoth()
    {
        using var user = await fixture.App.CreateUserAsync();
        var userId = await AccessWorld.UserIdAsync(user);

        using (var blocked = await fixture.Admin.Http.PostAsync(new Uri($"/api/admin/users/{userId}/block", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.NoContent, blocked.StatusCode);
        }

        using (var whileBlocked = await user.Http.GetAsync(new Uri("/api/me", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, whileBlocked.StatusCode);
        }

        using (var unblocked = await fixture.Admin.Http.PostAsync(new Uri($"/api/admin/users/{userId}/unblock", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.NoContent, unblocked.StatusCode);
        }

        using var afterwards = await user.Http.GetAsync(new Uri("/api/me", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, afterwards.StatusCode);
        var audit = await AccessWorld.GetAsync(fixture.Admin, $"/api/admin/audit?action=user.&target={userId}");
        var actions = audit.EnumerateArray().Select(e => e.GetProperty("action").GetString()).Where(a => a is AuditActions.UserBlocked or AuditActions.UserUnblocked);
        Assert.Equal([AuditActions.UserUnblocked, AuditActions.UserBlocked], actions);
    }
}
