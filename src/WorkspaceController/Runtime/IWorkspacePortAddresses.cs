namespace Workspaces.WorkspaceController.Runtime;

/// <summary>
/// Where the web app reaches a port a workspace listens on (the preview proxy's upstream): loopback for local agents, the
/// workspace's Service name in Kubernetes. Null while the workspace does not run.
/// </summary>
public interface IWorkspacePortAddresses
{
    Task<Uri?> GetPortUrlAsync(string workspaceId, int port, CancellationToken cancellationToken);
}
