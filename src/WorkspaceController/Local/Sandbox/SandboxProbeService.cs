using Microsoft.Extensions.Hosting;

namespace Workspaces.WorkspaceController.Local.Sandbox;

/// <summary>Starts the sandbox probe with the host (it logs its answer once) without holding the start-up up.</summary>
public sealed class SandboxProbeService(WorkspaceSandbox sandbox) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = sandbox.StatusAsync();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
