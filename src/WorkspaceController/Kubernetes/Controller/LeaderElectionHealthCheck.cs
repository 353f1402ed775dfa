using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Workspaces.WorkspaceController.Kubernetes.Controller;

/// <summary>
/// Unhealthy while the Lease keeps failing (its last error is younger than a lease duration; the elector retries every
/// RetryPeriod): a follower waiting for a healthy leader is fine, a replica that cannot even read the Lease is not.
/// </summary>
public sealed class LeaderElectionHealthCheck(WorkspaceControllerService controller, IOptions<ControllerOptions> options, TimeProvider timeProvider) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var le = options.Value.LeaderElection;
        var data = new Dictionary<string, object> { ["leading"] = controller.IsLeading };
        if (le.Enabled && controller.LeaseError is { } problem && timeProvider.GetUtcNow() - problem.At < le.LeaseDuration * 2)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(
                $"The leader-election Lease {le.LeaseName} cannot be read or written ({problem.Message}); check the controller's Role for leases.", data: data));
        }

        return Task.FromResult(HealthCheckResult.Healthy(controller.IsLeading ? "Leading" : "Following", data));
    }
}
