using Microsoft.Extensions.Diagnostics.HealthChecks;
using Workspaces.WorkspaceController.Kubernetes.Controller;

namespace Workspaces.WorkspaceController.Host;

/// <summary>Healthy either way: a follower replica is ready, it just waits for the Lease. The description says which.</summary>
internal sealed class LeadershipHealthCheck(WorkspaceControllerService controller) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy(controller.IsLeading ? "leading" : "following"));
}
