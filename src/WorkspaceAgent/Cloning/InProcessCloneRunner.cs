using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceAgent.Cloning;

/// <summary>
/// Clones on a dedicated thread of this process. libgit2 stays loaded afterwards and a crash in it takes the process
/// down, so the agent uses <see cref="WorkerProcessCloneRunner"/>; this one serves the worker itself and tests.
/// </summary>
public sealed class InProcessCloneRunner : ICloneRunner
{
    public Task<CloneFailure?> RunAsync(CloneRequest request, string directory, Action<CloneProgress> onProgress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!RepositoryUrl.TryParse(request.RepositoryUrl, out var url))
        {
            return Task.FromResult<CloneFailure?>(new CloneFailure("unsupported URL protocol"));
        }

        var attempt = new CloneAttempt(url, request, onProgress, cancellationToken);

        // libgit2 blocks its thread for the whole transfer; give it its own rather than a pool thread.
        return Task.Factory.StartNew(() => attempt.Run(directory), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }
}
