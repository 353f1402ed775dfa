using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Controller;

// The controller Deployment's process: the leader-elected Workspace reconciler plus the probes the kubelet calls.
// A host of its own rather than a mode of the web app: the controller image carries no web UI, and its RBAC (pods,
// volumes, secrets) never sits in the process that faces browsers.
var builder = WebApplication.CreateBuilder(args);

// The chart mounts the controller's settings as one JSON file (labels, classes and CIDR lists do not fit environment variables).
if (Environment.GetEnvironmentVariable("WORKSPACES_CONFIG_FILE") is { Length: > 0 } configFile)
{
    builder.Configuration.AddJsonFile(configFile, optional: false, reloadOnChange: false);
}

builder.Services.AddWorkspaceController(builder.Configuration);

var app = builder.Build();
app.MapGet("/alive", () => TypedResults.Ok());

// Ready either way: a follower replica is healthy, it just waits for the Lease.
app.MapGet("/health", (WorkspaceControllerService controller) => TypedResults.Ok(new { leading = controller.IsLeading }));
app.Run();
