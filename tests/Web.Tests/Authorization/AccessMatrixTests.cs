using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Workspaces.Web.Authorization;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Authorization;

/// <summary>
/// The table of docs/security.md (<see cref="AccessPolicy.Table"/>), cell by cell, through the real host: for every
/// relation a user can have to a workspace, team or project, every action is tried over HTTP. Allowed actions succeed;
/// refused ones answer 403 when the user may see the resource and 404 when they may not even know it exists.
/// </summary>
public sealed class AccessMatrixTests(AccessMatrixTests.Fixture fixture) : IClassFixture<AccessMatrixTests.Fixture>
{
    public static TheoryData<ResourceKind, Relation, Permission> Cells()
    {
        var data = new TheoryData<ResourceKind, Relation, Permission>();
        foreach (var kind in Enum.GetValues<ResourceKind>())
        {
            foreach (var relation in AccessPolicy.RelationsOf(kind))
            {
                foreach (var permission in AccessPolicy.PermissionsOf(kind))
                {
                    data.Add(kind, relation, permission);
                }
            }
        }

        return data;
    }

    [Fact]
    public void Table_EveryResource_HasAColumnForEveryRelationThatApplies()
    {
        Assert.Equal(7, AccessPolicy.RelationsOf(ResourceKind.Workspace).Count());
        Assert.Equal(4, AccessPolicy.RelationsOf(ResourceKind.Team).Count());
        Assert.Equal(4, AccessPolicy.RelationsOf(ResourceKind.Project).Count());
        Assert.DoesNotContain(Permission.WorkspaceUseTerminals, AccessPolicy.Table[(ResourceKind.Workspace, Relation.SharedReadOnly)]);
        Assert.DoesNotContain(Permission.WorkspaceWatchTerminals, AccessPolicy.Table[(ResourceKind.Workspace, Relation.Administrator)]);
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Action_ByRelation_AllowedExactlyAsTheTableSays(ResourceKind kind, Relation relation, Permission permission)
    {
        var allowed = AccessPolicy.Allows(kind, [relation], permission);
        var mayView = AccessPolicy.Allows(kind, [relation], kind switch
        {
            ResourceKind.Workspace => Permission.WorkspaceView,
            ResourceKind.Team => Permission.TeamView,
            _ => Permission.ProjectView,
        });
        // Deleting for real needs a world of its own; everything else leaves the shared one as the next case needs it.
        var destructive = allowed && permission is Permission.TeamDelete or Permission.ProjectDelete;
        var world = destructive ? await AccessWorld.CreateAsync(fixture.App, fixture.Admin) : await fixture.WorldAsync();
        var user = world.As(relation);

        var status = await TryAsync(world, user, permission);

        var expected = allowed ? "allowed" : mayView ? "403" : "404";
        var actual = status switch
        {
            HttpStatusCode.Forbidden => "403",
            HttpStatusCode.NotFound => "404",
            _ when (int)status is >= 200 and < 300 || status == HttpStatusCode.Conflict => "allowed",
            _ => ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        Assert.True(expected == actual, $"{relation} → {permission} on a {kind}: expected {expected}, got {(int)status} {status}");
    }

    [Fact]
    public async Task BlockedUser_AnyRequest_Unauthorized()
    {
        var world = await fixture.WorldAsync();
        var blocked = await fixture.App.CreateUserAsync();
        var id = await AccessWorld.UserIdAsync(blocked);
        using var block = await fixture.Admin.Http.PostAsync(new Uri($"/api/admin/users/{id}/block", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.NoContent, block.StatusCode);

        using var response = await blocked.Http.GetAsync(new Uri($"/api/teams/{world.TeamId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static async Task<HttpStatusCode> TryAsync(AccessWorld world, ApiClient user, Permission permission)
    {
        var http = user.Http;
        var workspace = permission is Permission.WorkspaceStart or Permission.WorkspaceStop or Permission.WorkspaceDelete or Permission.WorkspaceShare
            ? await FreshWorkspaceAsync(world)
            : world.WorkspaceId;
        switch (permission)
        {
            case Permission.WorkspaceView:
                return await StatusAsync(http.GetAsync(new Uri($"/api/workspaces/{workspace}", UriKind.Relative)));
            case Permission.WorkspaceWatchTerminals:
                // The workspace is stopped: an allowed user hears so (409), anyone else that there is no such workspace.
                return await StatusAsync(http.PostAsync(new Uri($"/workspaces/{workspace}/agent/hubs/terminals/negotiate?negotiateVersion=1", UriKind.Relative), null));
            case Permission.WorkspaceUseTerminals or Permission.WorkspaceOpenTeamPreview:
                return await PermissionListedAsync(http, workspace, permission);
            case Permission.WorkspaceStart:
                return await StatusAsync(http.PostAsync(new Uri($"/api/workspaces/{workspace}/start", UriKind.Relative), null));
            case Permission.WorkspaceStop:
                return await StatusAsync(http.PostAsync(new Uri($"/api/workspaces/{workspace}/stop", UriKind.Relative), null));
            case Permission.WorkspaceDelete:
                return await StatusAsync(http.DeleteAsync(new Uri($"/api/workspaces/{workspace}", UriKind.Relative)));
            case Permission.WorkspaceShare:
                var bystander = await AccessWorld.EmailAsync(world.As(Relation.TeamMember));
                return await StatusAsync(http.PostAsJsonAsync($"/api/workspaces/{workspace}/shares", new { email = bystander, access = "ReadOnly" }));

            case Permission.TeamView:
                return await StatusAsync(http.GetAsync(new Uri($"/api/teams/{world.TeamId}", UriKind.Relative)));
            case Permission.TeamManageMembers:
                return await StatusAsync(http.PutAsJsonAsync($"/api/teams/{world.TeamId}/members/{world.BystanderId}", new { role = "Member" }));
            case Permission.TeamInvite:
                return await StatusAsync(http.PostAsJsonAsync($"/api/teams/{world.TeamId}/invitations", new { maxUses = 1 }));
            case Permission.TeamCreateProject:
                return await StatusAsync(http.PostAsJsonAsync($"/api/teams/{world.TeamId}/projects", new { name = "web", repositoryUrl = "https://git.example.com/acme/web.git" }));
            case Permission.TeamDelete:
                return await StatusAsync(http.DeleteAsync(new Uri($"/api/teams/{world.TeamId}", UriKind.Relative)));

            case Permission.ProjectView:
                return await StatusAsync(http.GetAsync(new Uri($"/api/projects/{world.ProjectId}", UriKind.Relative)));
            case Permission.ProjectOpenWorkspace:
                return await OpenAndStopAsync(user, world.ProjectId);
            case Permission.ProjectEdit:
                return await StatusAsync(http.PutAsJsonAsync($"/api/projects/{world.ProjectId}", new { name = "api", repositoryUrl = "https://git.example.com/acme/api.git" }));
            case Permission.ProjectManageVariables:
                return await StatusAsync(http.PutAsJsonAsync($"/api/projects/{world.ProjectId}/variables/GREETING", new { value = "hello" }));
            case Permission.ProjectDelete:
                return await StatusAsync(http.DeleteAsync(new Uri($"/api/projects/{world.ProjectId}", UriKind.Relative)));
            default:
                throw new InvalidOperationException($"No HTTP check for {permission}: add one when adding a permission.");
        }
    }

    private static async Task<string> FreshWorkspaceAsync(AccessWorld world)
    {
        var id = await world.AddStoppedWorkspaceAsync(await AccessWorld.UserIdAsync(world.As(Relation.Owner)));
        var owner = world.As(Relation.Owner);
        await AccessWorld.PostAsync(owner, $"/api/workspaces/{id}/shares", new { email = await AccessWorld.EmailAsync(world.As(Relation.SharedFull)), access = "Full" });
        await AccessWorld.PostAsync(owner, $"/api/workspaces/{id}/shares", new { email = await AccessWorld.EmailAsync(world.As(Relation.SharedReadOnly)), access = "ReadOnly" });
        return id;
    }

    // Opening starts an agent for a repository that does not exist; stopping it keeps the machine quiet.
    private static async Task<HttpStatusCode> OpenAndStopAsync(ApiClient user, string projectId)
    {
        using var response = await user.Http.PostAsync(new Uri($"/api/projects/{projectId}/workspaces", UriKind.Relative), null);
        if (response.StatusCode == HttpStatusCode.Created)
        {
            var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
            using var stopped = await user.PostActionAsync(id, "stop");
        }

        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> PermissionListedAsync(HttpClient http, string workspaceId, Permission permission)
    {
        using var response = await http.GetAsync(new Uri($"/api/workspaces/{workspaceId}/access", UriKind.Relative));
        if (!response.IsSuccessStatusCode)
        {
            return response.StatusCode;
        }

        var view = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var permissions = view.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()).ToList();
        if (permissions.Contains(permission.ToString()))
        {
            return HttpStatusCode.OK;
        }

        return permissions.Contains(nameof(Permission.WorkspaceView)) ? HttpStatusCode.Forbidden : HttpStatusCode.NotFound;
    }

    private static async Task<HttpStatusCode> StatusAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        return response.StatusCode;
    }

    public sealed class Fixture : AppFixture
    {
        private readonly SemaphoreSlim _lock = new(1, 1);
        private AccessWorld? _world;

        /// <summary>The world most cases share (built once, on first use).</summary>
        public async Task<AccessWorld> WorldAsync()
        {
            await _lock.WaitAsync();
            try
            {
                return _world ??= await AccessWorld.CreateAsync(App, Admin);
            }
            finally
            {
                _lock.Release();
            }
        }

        public override async Task DisposeAsync()
        {
            _lock.Dispose();
            await base.DisposeAsync();
        }
    }
}
