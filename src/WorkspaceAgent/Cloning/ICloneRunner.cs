using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceAgent.Cloning;

/// <summary>Runs one clone into a directory: in a worker process (the agent's default) or in this process (tests).</summary>
public interface ICloneRunner
{
    /// <summary>Null on success, else what went wrong. On cancellation it returns promptly; the directory may be left half-written.</summary>
    Task<CloneFailure?> RunAsync(CloneRequest request, string directory, Action<CloneProgress> onProgress, CancellationToken cancellationToken);
}
