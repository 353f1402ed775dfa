using Workspaces.WorkspaceController.Local;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.WorkspaceController.Tests.Local;

/// <summary>Where the web app reaches a port of a local workspace: this machine's loopback, only while it runs.</summary>
public sealed class LocalPortAddressesTests
{
    [Fact]
    public async Task GetPortUrl_RunningWorkspace_IsThePortOnLoopback()
    {
        var addresses = new LocalPortAddresses(new OneWorkspaceRuntime(RuntimeState.Running));

        var url = await addresses.GetPortUrlAsync("ws-1", 3000, CancellationToken.None);

        Assert.Equal(new Uri("http://127.0.0.1:3000/"), url);
    }

    [Theory]
    [InlineData(RuntimeState.Absent)]
    [InlineData(RuntimeState.Starting)]
    [InlineData(RuntimeState.Stopped)]
    public async Task GetPortUrl_WorkspaceNotRunning_HasNoAddress(RuntimeState state)
    {
        var addresses = new LocalPortAddresses(new OneWorkspaceRuntime(state));

        Assert.Null(await addresses.GetPortUrlAsync("ws-1", 3000, CancellationToken.None));
    }

    /// <summary>A runtime that reports one workspace in one state and refuses to change anything.</summary>
    private sealed class OneWorkspaceRuntime(RuntimeState state) : IWorkspaceRuntime
    {
        public Task<RuntimeObservation> ObserveAsync(string workspaceId, CancellationToken cancellationToken) =>
            Task.FromResult(new RuntimeObservation(workspaceId, state, state == RuntimeState.Running ? new Uri("http://127.0.0.1:40000/") : null, null, null));

        public Task<IReadOnlyList<RuntimeObservation>> ListAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("Not used.");

        public Task<RuntimeObservation> StartAsync(WorkspaceLaunch launch, CancellationToken cancellationToken) => throw new InvalidOperationException("Not used.");

        public Task StopAsync(string workspaceId, CancellationToken cancellationToken) => throw new InvalidOperationException("Not used.");

        public Task DeleteAsync(string workspaceId, CancellationToken cancellationToken) => throw new InvalidOperationException("Not used.");
    }
}
