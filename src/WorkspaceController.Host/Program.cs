using Workspaces.ServiceDefaults;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Cleanup;

// The controller Deployment's process: the leader-elected Workspace reconciler plus the probes the kubelet calls.
// A host of its own rather than a mode of the web app: the controller image carries no web UI, and its RBAC (pods,
// volumes, secrets) never sits in the process that faces browsers.
var builder = WebApplication.CreateBuilder(args);

// The chart mounts the controller's settings as one JSON file (labels, classes and CIDR lists do not fit environment variables).
if (Environment.GetEnvironmentVariable("WORKSPACES_CONFIG_FILE") is { Length: > 0 } configFile)
{
    builder.Configuration.AddJsonFile(configFile, optional: false, reloadOnChange: false);
}

// The chart's pre-delete hook: delete every Workspace and wait for the controller to finalize them, then exit.
if (args.Contains(WorkspaceCleanup.Switch))
{
    return await WorkspaceCleanup.RunAsync(args, builder.Configuration, CancellationToken.None);
}

builder.AddServiceDefaults(new ServiceIdentity("workspaces-controller"));
builder.Services.AddWorkspaceController(builder.Configuration);

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunAsync();
return 0;
