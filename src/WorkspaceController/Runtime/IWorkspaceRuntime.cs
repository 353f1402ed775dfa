namespace Workspaces.WorkspaceController.Runtime;

/// <summary>
/// Decides where a workspace's agent runs: a local process or a Kubernetes pod. Nothing above this interface knows which.
/// Every method is idempotent: calling it again after a crash of the caller converges to the same result.
/// </summary>
public interface IWorkspaceRuntime
{
    /// <summary>What the runtime has for this workspace right now.</summary>
    Task<RuntimeObservation> ObserveAsync(string workspaceId, CancellationToken cancellationToken);

    /// <summary>Every workspace the runtime holds storage or an agent for (used to adopt agents after a restart and to find strays).</summary>
    Task<IReadOnlyList<RuntimeObservation>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Starts the agent unless it already runs; returns once the agent listens (or throws <see cref="WorkspaceRuntimeException"/>).</summary>
    Task<RuntimeObservation> StartAsync(WorkspaceLaunch launch, CancellationToken cancellationToken);

    /// <summary>Stops the agent and everything it started; keeps the workspace's files.</summary>
    Task StopAsync(string workspaceId, CancellationToken cancellationToken);

    /// <summary>Stops the agent and removes the workspace's files.</summary>
    Task DeleteAsync(string workspaceId, CancellationToken cancellationToken);
}
