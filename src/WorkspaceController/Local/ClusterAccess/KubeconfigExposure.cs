using k8s;
using k8s.Exceptions;
using Workspaces.WorkspaceController.Local.Sandbox;

namespace Workspaces.WorkspaceController.Local.ClusterAccess;

/// <summary>
/// Whether a sandboxed workspace could read the administrator's credentials: the kubeconfig, or the client certificate
/// and key it names, in a directory the sandbox shows (<c>/etc</c>, <c>/opt</c> …, <see cref="SandboxSettings.ReadOnlyPaths"/>)
/// and not hidden. A service that is not root runs its workspaces as its own user, which reads what the service reads;
/// as root, each workspace has a user of its own, which reads what everyone may read.
/// </summary>
public static class KubeconfigExposure
{
    public static IEnumerable<string> Problems(LocalClusterAccessOptions options, SandboxOptions sandbox, bool serviceIsRoot)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sandbox);
        if (!options.Configured || sandbox.Isolation != WorkspaceIsolation.Sandbox || !File.Exists(options.Kubeconfig))
        {
            return [];
        }

        var files = new List<string> { Path.GetFullPath(options.Kubeconfig) };
        try
        {
            var config = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(options.Kubeconfig));
            var contextName = string.IsNullOrWhiteSpace(options.Context) ? config.CurrentContext : options.Context;
            var userName = config.Contexts?.FirstOrDefault(c => c.Name == contextName)?.ContextDetails?.User;
            var credentials = config.Users?.FirstOrDefault(u => u.Name == userName)?.UserCredentials;
            var directory = Path.GetDirectoryName(Path.GetFullPath(options.Kubeconfig))!;
            foreach (var named in new[] { credentials?.ClientCertificate, credentials?.ClientKey })
            {
                if (!string.IsNullOrEmpty(named))
                {
                    files.Add(Path.GetFullPath(named, directory));
                }
            }
        }
        catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException or ArgumentException)
        {
            // The validator says what is wrong with the file itself.
        }

        return files.Distinct(StringComparer.Ordinal)
            .Where(f => File.Exists(f) && Shown(f, sandbox.Sandbox) && ReadableByWorkspaces(f, serviceIsRoot))
            .Select(f => $"{LocalClusterAccessOptions.SectionName}:Kubeconfig: the administrator's credentials in '{f}' would be readable by every sandboxed workspace (the sandbox shows {Root(f, sandbox.Sandbox)} read-only). Move the file (and what it names) into the service's home or /etc/workspaces, which the sandbox hides{(serviceIsRoot ? ", or make it unreadable to others (chmod o-r)" : "")}.")
            .ToList();
    }

    private static bool Shown(string file, SandboxSettings settings) =>
        Root(file, settings) is not null && !settings.HiddenPaths.Any(hidden => Under(file, hidden));

    private static string? Root(string file, SandboxSettings settings) => settings.ReadOnlyPaths.FirstOrDefault(shown => Under(file, shown));

    private static bool Under(string file, string directory)
    {
        var prefix = directory.TrimEnd('/') + "/";
        return file.StartsWith(prefix, StringComparison.Ordinal);
    }

    private static bool ReadableByWorkspaces(string file, bool serviceIsRoot) =>
        !serviceIsRoot || OperatingSystem.IsWindows() || (File.GetUnixFileMode(file) & UnixFileMode.OtherRead) != 0;
}
