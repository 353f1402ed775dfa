namespace Workspaces.WorkspaceController.Runtime;

/// <summary>A Service of a workspace's development namespace that may be previewed: its namespace, name and TCP ports.</summary>
public sealed record ClusterService(string Namespace, string Name, IReadOnlyList<ClusterServicePort> Ports);

public sealed record ClusterServicePort(int Port, string? Name);

/// <summary>
/// The Services a runtime reports for a workspace (the Kubernetes runtime: the Workspace's
/// <c>status.clusterAccess.services</c>, written by the controller). Runtimes without cluster access report none.
/// </summary>
public interface IWorkspaceServices
{
    /// <summary>The workspace's previewable Services as last reported (empty when none or unknown); answered from a cache.</summary>
    IReadOnlyList<ClusterService> GetServices(string workspaceId);

    /// <summary>Raised with the workspace's id when its Services change; handlers must be quick (enqueue, don't work).</summary>
    event Action<string>? ServicesChanged;
}

/// <summary>The local runtime's: it has no cluster.</summary>
public sealed class NoWorkspaceServices : IWorkspaceServices
{
    public IReadOnlyList<ClusterService> GetServices(string workspaceId) => [];

    public event Action<string>? ServicesChanged
    {
        add { }
        remove { }
    }
}
