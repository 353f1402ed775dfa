using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.Web.ClusterAccess;
using Workspaces.Web.Tests.Authorization;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.ClusterAccess;

/// <summary>The project page's cluster access card, rendered against the real service of a running app (SQLite, local runtime).</summary>
public sealed class ClusterAccessPanelTests : BunitContext
{
    [Fact]
    public async Task ScaleToZero_TickedAndSavedByTheOwner_IsKeptAndShownToTheTeam()
    {
        // The Kubernetes runtime, whose controller scales; cluster access itself stays off (the card says so).
        await using var cluster = await FakeKubernetes.FakeKubeApiServer.StartAsync();
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Workspaces:Runtime:Kind"] = "Kubernetes",
            ["Workspaces:Kubernetes:ApiServer"] = cluster.Url.ToString(),
            ["Workspaces:Runtime:Kubernetes:Namespace"] = "workspaces",
            ["Workspaces:Runtime:Kubernetes:CredentialKey"] = WorkspaceController.Kubernetes.Resources.SealedCredentials.NewKey(),
        });
        Services.AddSingleton(app.Services.GetRequiredService<ClusterAccessService>());
        JSInterop.Mode = JSRuntimeMode.Loose;
        // Last: it starts the renderer, after which no service may be added.
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        using var lead = await app.CreateUserAsync();
        using var member = await app.CreateUserAsync();
        var teamId = (await AccessWorld.PostAsync(lead, "/api/teams", new { name = "Platform" })).GetProperty("id").GetString()!;
        await AccessWorld.JoinAsync(lead, member, teamId);
        var projectId = (await AccessWorld.PostAsync(lead, $"/api/teams/{teamId}/projects", new { name = "shop", repositoryUrl = "https://git.example/acme/shop.git" })).GetProperty("id").GetString()!;
        var leadId = await AccessWorld.UserIdAsync(lead);
        var memberId = await AccessWorld.UserIdAsync(member);

        var card = Render<ClusterAccessPanel>(p => p.Add(c => c.ProjectId, projectId).Add(c => c.UserId, leadId));
        card.WaitForAssertion(() => Assert.False(card.Find("#cluster-access-scale-to-zero").HasAttribute("checked")), TimeSpan.FromSeconds(10));
        await card.Find("#cluster-access-scale-to-zero").ChangeAsync(new() { Value = true });
        await card.Find("form").SubmitAsync();
        card.WaitForAssertion(() => Assert.NotNull(card.Find("#cluster-access-saved")), TimeSpan.FromSeconds(10));

        var again = Render<ClusterAccessPanel>(p => p.Add(c => c.ProjectId, projectId).Add(c => c.UserId, leadId));
        again.WaitForAssertion(() => Assert.True(again.Find("#cluster-access-scale-to-zero").HasAttribute("checked")), TimeSpan.FromSeconds(10));
        var readOnly = Render<ClusterAccessPanel>(p => p.Add(c => c.ProjectId, projectId).Add(c => c.UserId, memberId));
        readOnly.WaitForAssertion(() => Assert.Contains("Deployments scaled to zero, and back on start", readOnly.Markup, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Empty(readOnly.FindAll("#cluster-access-scale-to-zero"));
        // The administrator has not enabled cluster access: the card says why the namespace itself cannot be turned on.
        Assert.Contains("An administrator has not enabled cluster access", card.Find("#cluster-access-unavailable").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Card_LocalRuntimeWithAConfiguredCluster_OffersTheNamespaceWithoutTheNotice()
    {
        await using var cluster = await FakeKubernetes.FakeKubeApiServer.StartAsync(validateWorkspaces: false);
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"workspaces-panel-kubeconfig-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(kubeconfig, cluster.AdminKubeconfig());
        try
        {
            await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["Workspaces:Runtime:Local:ClusterAccess:Kubeconfig"] = kubeconfig });
            Services.AddSingleton(app.Services.GetRequiredService<ClusterAccessService>());
            JSInterop.Mode = JSRuntimeMode.Loose;
            SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
            using var lead = await app.CreateUserAsync();
            var teamId = (await AccessWorld.PostAsync(lead, "/api/teams", new { name = "Platform" })).GetProperty("id").GetString()!;
            var projectId = (await AccessWorld.PostAsync(lead, $"/api/teams/{teamId}/projects", new { name = "shop", repositoryUrl = "https://git.example/acme/shop.git" })).GetProperty("id").GetString()!;

            var leadId = await AccessWorld.UserIdAsync(lead);

            var card = Render<ClusterAccessPanel>(p => p.Add(c => c.ProjectId, projectId).Add(c => c.UserId, leadId));
            card.WaitForAssertion(() => Assert.NotNull(card.Find("#cluster-access-enabled")), TimeSpan.FromSeconds(10));

            Assert.False(card.Find("#cluster-access-enabled").HasAttribute("disabled"));
            Assert.Empty(card.FindAll("#cluster-access-unavailable"));
            // Scaling to zero is the controller's: not offered on the local runtime.
            Assert.Empty(card.FindAll("#cluster-access-scale-to-zero"));
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }
}
