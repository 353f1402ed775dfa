using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.Data;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Agent;
using Workspaces.Web.Authorization;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Authorization;

/// <summary>
/// A fresh team with a project and a workspace of that project, and one user for each <see cref="Relation"/> to them:
/// built through the API (teams, invitations, projects, shares) except the workspace record, which is written stopped
/// so that no agent starts unless a test starts it.
/// </summary>
public sealed class AccessWorld
{
    private readonly Dictionary<Relation, ApiClient> _users = [];

    private AccessWorld(TestApp app) => App = app;

    public TestApp App { get; }

    public string TeamId { get; private set; } = "";

    public string ProjectId { get; private set; } = "";

    public string WorkspaceId { get; private set; } = "";

    /// <summary>A member with no share, the target of member-management actions.</summary>
    public string BystanderId { get; private set; } = "";

    public ApiClient As(Relation relation) => _users[relation];

    public static async Task<AccessWorld> CreateAsync(TestApp app, ApiClient administrator)
    {
        var world = new AccessWorld(app);
        var teamOwner = await app.CreateUserAsync();
        var owner = await app.CreateUserAsync();
        var member = await app.CreateUserAsync();
        var sharedFull = await app.CreateUserAsync();
        var sharedReadOnly = await app.CreateUserAsync();
        var bystander = await app.CreateUserAsync();
        world._users[Relation.TeamOwner] = teamOwner;
        world._users[Relation.Owner] = owner;
        world._users[Relation.TeamMember] = member;
        world._users[Relation.SharedFull] = sharedFull;
        world._users[Relation.SharedReadOnly] = sharedReadOnly;
        world._users[Relation.Stranger] = await app.CreateUserAsync();
        world._users[Relation.Administrator] = administrator;

        world.TeamId = (await PostAsync(teamOwner, "/api/teams", new { name = "Team " + Guid.NewGuid().ToString("N")[..6] })).GetProperty("id").GetString()!;
        foreach (var joining in new[] { owner, member, sharedFull, sharedReadOnly, bystander })
        {
            await JoinAsync(teamOwner, joining, world.TeamId);
        }

        world.ProjectId = (await PostAsync(teamOwner, $"/api/teams/{world.TeamId}/projects", new { name = "api", repositoryUrl = "https://git.example.com/acme/api.git" }))
            .GetProperty("id").GetString()!;
        world.WorkspaceId = await world.AddStoppedWorkspaceAsync(await UserIdAsync(owner));
        world.BystanderId = await UserIdAsync(bystander);

        await PostAsync(owner, $"/api/workspaces/{world.WorkspaceId}/shares", new { email = await EmailAsync(sharedFull), access = "Full" });
        await PostAsync(owner, $"/api/workspaces/{world.WorkspaceId}/shares", new { email = await EmailAsync(sharedReadOnly), access = "ReadOnly" });
        return world;
    }

    public static async Task JoinAsync(ApiClient inviter, ApiClient joining, string teamId)
    {
        var invitation = await PostAsync(inviter, $"/api/teams/{teamId}/invitations", new { maxUses = 1 });
        var token = invitation.GetProperty("path").GetString()!["/invite/".Length..];
        using var accepted = await joining.Http.PostAsync(new Uri($"/api/invitations/{token}/accept", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    /// <summary>A workspace record of the project, stopped: present for every check, with no agent behind it.</summary>
    public async Task<string> AddStoppedWorkspaceAsync(string ownerId)
    {
        var id = "ws-" + Guid.NewGuid().ToString("N")[..12];
        await using var scope = App.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<WorkspacesDbContext>>().CreateDbContextAsync();
        db.Workspaces.Add(new WorkspaceRecord
        {
            Id = id,
            OwnerId = ownerId,
            ProjectId = ProjectId,
            RepositoryUrl = "https://git.example.com/acme/api.git",
            Name = "acme/api",
            CheckoutDirectoryName = "api",
            DesiredState = DesiredState.Stopped,
            Phase = WorkspacePhase.Stopped,
            ProtectedAgentSecret = scope.ServiceProvider.GetRequiredService<Agents.AgentSecrets>().CreateProtected(),
            CreatedAt = DateTimeOffset.UtcNow,
            LastActiveAt = DateTimeOffset.UtcNow,
            Generation = 1,
            ObservedGeneration = 1,
        });
        await db.SaveChangesAsync();
        return id;
    }

    public static async Task<JsonElement> PostAsync(ApiClient client, string path, object body)
    {
        using var response = await client.Http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> GetAsync(ApiClient client, string path)
    {
        using var response = await client.Http.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static Task<string> UserIdAsync(ApiClient client) => IdentityAsync(client, "id");

    public static Task<string> EmailAsync(ApiClient client) => IdentityAsync(client, "email");

    private static async Task<string> IdentityAsync(ApiClient client, string property)
    {
        using var response = await client.Http.GetAsync(new Uri("/api/me", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /api/me answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty(property).GetString()!;
    }
}
