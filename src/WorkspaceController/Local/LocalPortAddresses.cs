using System.Globalization;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.WorkspaceController.Local;

/// <summary>Local agents and what they start listen on this machine.</summary>
public sealed class LocalPortAddresses(IWorkspaceRuntime runtime) : IWorkspacePortAddresses
{
    public async Task<Uri?> GetPortUrlAsync(string workspaceId, int port, CancellationToken cancellationToken)
    {
        var observed = await runtime.ObserveAsync(workspaceId, cancellationToken);
        return observed.State == RuntimeState.Running ? new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/")) : null;
    }
}
