using Workspaces.Data;
using Workspaces.ServiceDefaults;
using Workspaces.Web.Accounts;
using Workspaces.Web.Admin;
using Workspaces.Web.Agents;
using Workspaces.Web.ClusterAccess;
using Workspaces.Web.Components;
using Workspaces.Web.Credentials;
using Workspaces.Web.Editor;
using Workspaces.Web.Hosting;
using Workspaces.Web.Prebuilds;
using Workspaces.Web.Previews;
using Workspaces.Web.Projects;
using Workspaces.Web.Sharing;
using Workspaces.Web.SingleSignOn;
using Workspaces.Web.Ssh;
using Workspaces.Web.Teams;
using Workspaces.Web.Variables;
using Workspaces.Web.Workspaces;

var builder = WebApplication.CreateBuilder(args).UseShippedSettings();
// The chart mounts settings that do not fit environment variables (cluster access's rule lists) as one JSON file.
if (Environment.GetEnvironmentVariable("WORKSPACES_CONFIG_FILE") is { Length: > 0 } configFile)
{
    builder.Configuration.AddJsonFile(configFile, optional: false, reloadOnChange: false);
}

builder.UseInlineIo();
builder.AddConnectionBuffers();
builder.AddServiceDefaults(new ServiceIdentity("workspaces-web"));
builder.AddWorkspacesHosting();
builder.AddAccounts();
builder.AddGitCredentials();
builder.AddWorkspaces();
builder.AddEditor();
builder.AddVariables();
builder.AddTeams();
builder.AddProjects();
builder.AddSharing();
builder.AddAdmin();
builder.AddClusterAccess();
builder.AddSingleSignOn();
builder.AddAgentForwarding();
builder.AddPreviews();
builder.AddSsh();
builder.AddPrebuilds();
builder.Services.AddRazorComponents().AddInteractiveServerComponents();

var app = builder.Build();
if (args.Contains("--migrate-only"))
{
    await DatabaseMigrator.MigrateAsync(app.Services, CancellationToken.None);
    return;
}

await app.MigrateEmbeddedDatabaseAsync();

// Malformed and unknown hosts first; then preview origins, before routing: their requests never match an IDE endpoint, so they skip route matching too.
app.UseHostGuard();
if (HostingRole.IsPreviewProxy(app.Configuration))
{
    // Its own Deployment in the chart: preview origins and the probes, nothing of the IDE.
    app.UsePreviews();
    app.MapDefaultEndpoints();
    app.Run();
    return;
}

app.UsePreviews();
app.UseRouting();
app.UseSshTunnelWebSockets();
app.UseThreadPoolIsolation();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseMiddleware<SameOriginGuard>();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapStaticAssets();
app.MapDefaultEndpoints();
app.MapOpenApi("/api/openapi.json");
app.MapAccountsApi();
app.MapGitCredentialsApi();
app.MapWorkspacesApi();
app.MapVariables();
app.MapTeams();
app.MapProjects();
app.MapSharing();
app.MapAdmin();
app.MapClusterAccessApi();
app.MapSingleSignOn();
app.MapAgentForwarding();
app.MapPreviewsApi();
app.MapSsh();
app.MapPrebuilds();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Run();

/// <summary>The entry point, visible to integration tests.</summary>
public partial class Program;
