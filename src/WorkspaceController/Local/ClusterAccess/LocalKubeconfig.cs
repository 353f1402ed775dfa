namespace Workspaces.WorkspaceController.Local.ClusterAccess;

/// <summary>Where a started workspace's kubeconfig is: on the host, as the workspace sees it, and the API server's loopback port to forward.</summary>
public sealed record LocalKubeconfig(string HostDirectory, string InsideDirectory, int? LoopbackPort)
{
    public string InsidePath => $"{InsideDirectory}/{LocalClusterAccessBuilder.ConfigFile}";
}
