using System.Globalization;
using Workspaces.WorkspaceController.Local.Sandbox;

namespace Workspaces.WorkspaceController.Local.ClusterAccess;

/// <summary>
/// A workspace's kubeconfig, token and CA in <c>{WorkspacesDirectory}/{id}.kube</c>, outside the workspace's directory:
/// private to the service's user, or to the workspace's own user id when the service runs as root.
/// </summary>
public sealed class LocalKubeconfigFiles(LocalCluster cluster, string root)
{
    public string DirectoryOf(string workspaceId) => Path.Combine(root, LocalClusterAccessStore.Checked(workspaceId) + ".kube");

    /// <summary>The token, the CA and the kubeconfig that names them, each replaced whole.</summary>
    /// <param name="insideDirectory">Where the workspace sees this directory.</param>
    public void Write(string workspaceId, string ns, string insideDirectory, string token)
    {
        var directory = DirectoryOf(workspaceId);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            // Made private from its first instant, and made so again should it exist with a wider mode (left by a crash).
            const UnixFileMode privateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            Directory.CreateDirectory(directory, privateDirectory);
            File.SetUnixFileMode(directory, privateDirectory);
        }

        var ca = cluster.CaPem;
        Replace(workspaceId, Path.Combine(directory, LocalClusterAccessBuilder.TokenFile), token);
        if (ca.Length > 0)
        {
            Replace(workspaceId, Path.Combine(directory, LocalClusterAccessBuilder.CaFile), ca);
        }

        Replace(workspaceId, Path.Combine(directory, LocalClusterAccessBuilder.ConfigFile),
            LocalClusterAccessBuilder.Kubeconfig(cluster.Server, ns, insideDirectory, ca.Length > 0, cluster.SkipTlsVerify, cluster.TlsServerName));
    }

    /// <summary>
    /// Written aside and renamed over (a reader never sees half a token), readable by its owner only: the service's user,
    /// or the workspace's own user id when the service runs as root and gives each workspace one.
    /// </summary>
    private void Replace(string workspaceId, string path, string content)
    {
        var temporary = path + ".tmp";
        File.Delete(temporary);
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, create))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }

        if (WorkspaceUid(workspaceId) is { } uid)
        {
            SandboxNative.ChownOne(temporary, uid, uid, link: false);
            SandboxNative.ChownOne(Path.GetDirectoryName(path)!, uid, uid, link: false);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private int? WorkspaceUid(string workspaceId)
    {
        if (!SandboxNative.IsRoot)
        {
            return null;
        }

        try
        {
            return int.TryParse(File.ReadAllText(WorkspaceSandbox.UidFile(root, workspaceId)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var uid) ? uid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Delete(string workspaceId)
    {
        var directory = DirectoryOf(workspaceId);
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
