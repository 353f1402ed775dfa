using Workspaces.Shared.Agent;
using Workspaces.WorkspaceAgent.Status;

namespace Workspaces.WorkspaceAgent.Tests.Infrastructure;

internal static class StatusStoreExtensions
{
    /// <summary>Waits on the store's change signal (no polling) until <paramref name="until"/> holds.</summary>
    public static async Task<AgentStatus> WaitUntilAsync(this AgentStatusStore store, Func<AgentStatus, bool> until, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var status = store.Current;
        while (!until(status))
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"Status did not get there within {timeout.TotalSeconds} s; tasks: {string.Join(", ", status.Tasks)}");
            }

            status = await store.WaitForChangeAsync(status.Version, timeout, deadline.Token);
        }

        return status;
    }
}
