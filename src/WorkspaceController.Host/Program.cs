using Workspaces.ServiceDefaults;
using Workspaces.WorkspaceController.Host;
using Workspaces.WorkspaceController.Kubernetes;

// The controller Deployment's process: the leader-elected Workspace reconciler plus the probes the kubelet calls.
// A host of its own rather than a mode of the web app: the controller image carries no web UI, and its RBAC (pods,
// volumes, secrets) never sits in the process that faces browsers.
var builder = WebApplication.CreateBuilder(args);

// The chart mounts the controller's settings as one JSON file (labels, classes and CIDR lists do not fit environment variables).
if (Environment.GetEnvironmentVariable("WORKSPACES_CONFIG_FILE") is { Length: > 0 } configFile)
{
    builder.Configuration.AddJsonFile(configFile, optional: false, reloadOnChange: false);
}

builder.AddServiceDefaults(new ServiceIdentity("workspaces-controller"));
builder.Services.AddWorkspaceController(builder.Configuration);
builder.Services.AddHealthChecks().AddCheck<LeadershipHealthCheck>("leadership");

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
