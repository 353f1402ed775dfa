using System.Globalization;

namespace Workspaces.WorkspaceController.Local.Sandbox;

/// <summary>What one sandbox shows and runs.</summary>
/// <param name="WorkspaceDirectory">The workspace's own directory: read-write, at the same path inside.</param>
/// <param name="SocketDirectory">The host directory mounted at <see cref="SandboxCommand.InsideSocketDirectory"/>, where the agent listens.</param>
/// <param name="AgentDirectory">The agent executable's directory, read-only.</param>
/// <param name="ReadOnlyExtras">More host paths shown read-only at the same path (a local repository to clone).</param>
/// <param name="Uid">The user id inside (the host id it maps to: the service's own, or the workspace's when the service is root).</param>
/// <param name="SwitchUser">The service runs as root: take <paramref name="Uid"/> on the host before anything else.</param>
/// <param name="Command">What runs inside (the agent and its arguments).</param>
/// <param name="HiddenDirectories">Host directories never shown, even below a read-only toolchain path: the service's data, home and application directories.</param>
/// <param name="IdentityDirectory">A host directory holding the <c>passwd</c> and <c>group</c> shown at <c>/etc</c> (<see cref="SandboxIdentity"/>) and the <c>resolv.conf</c> (<see cref="SandboxResolver"/>); null keeps the host's.</param>
/// <param name="ResolvConfMountPoint">Where that resolv.conf is mounted (<see cref="SandboxResolver.MountPoint"/>).</param>
/// <param name="DnsForward">Whether pasta forwards <see cref="SandboxResolver.ForwardAddress"/> to the host's resolver.</param>
/// <param name="CollectorPort">The port of an OTLP collector on this machine's loopback that the agent exports to; null: none.</param>
/// <param name="KubeDirectory">The host directory of the workspace's kubeconfig and token (cluster access), shown read-only at <see cref="SandboxCommand.InsideKubeDirectory"/>; null: none.</param>
/// <param name="ApiServerPort">The port of a Kubernetes API server on this machine's loopback (kind, k3d) that the workspace's kubeconfig names; null: none.</param>
public sealed record SandboxSpec(
    string WorkspaceId,
    string WorkspaceDirectory,
    string SocketDirectory,
    string AgentDirectory,
    IReadOnlyList<string> ReadOnlyExtras,
    int Uid,
    int Gid,
    bool SwitchUser,
    IReadOnlyList<string> Command,
    IReadOnlyList<string> HiddenDirectories,
    string? IdentityDirectory = null,
    string ResolvConfMountPoint = "/etc/resolv.conf",
    bool DnsForward = false,
    int? CollectorPort = null,
    string? KubeDirectory = null,
    int? ApiServerPort = null);

/// <summary>
/// The command line of a sandboxed agent: [setpriv to the workspace's user,] pasta (a network namespace of its own with
/// a user-mode route to the internet and none to the host's loopback), then bubblewrap (user, mount, PID, IPC and UTS
/// namespaces, no_new_privs, a filesystem of the toolchain read-only plus the workspace's directory). A pure function.
/// </summary>
public static class SandboxCommand
{
    /// <summary>Where the agent's Unix socket directory appears inside (short: a socket path has at most 107 bytes).</summary>
    public const string InsideSocketDirectory = "/run/workspace";

    public const string SocketFileName = "agent.sock";

    public static string InsideListenUrl => $"http://unix:{InsideSocketDirectory}/{SocketFileName}";

    /// <summary>Where a workspace with cluster access sees its kubeconfig directory: the path a workspace pod mounts it at.</summary>
    public const string InsideKubeDirectory = WorkspaceController.ClusterAccess.ClusterAccessBuilder.KubeMount;

    /// <param name="exists">Whether a host path exists and, when it is a symbolic link, its target (tests pass their own).</param>
    public static IReadOnlyList<string> Build(SandboxSpec spec, SandboxSettings settings, Func<string, PathKind> exists)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(exists);
        var uid = spec.Uid.ToString(CultureInfo.InvariantCulture);
        var gid = spec.Gid.ToString(CultureInfo.InvariantCulture);
        var args = new List<string>();
        if (spec.SwitchUser)
        {
            args.AddRange([settings.SetprivPath, $"--reuid={uid}", $"--regid={gid}", "--clear-groups", "--"]);
        }

        // The web app's runtime (.NET) leaves SIGPIPE ignored in the processes it starts, and this pasta (Debian 12's)
        // then refuses to start ("Couldn't install signal handlers"): env puts it back to the default first.
        args.AddRange(["/usr/bin/env", "--default-signal=PIPE"]);

        // -t/-u none: nothing of the host is forwarded in; -T/-U: nothing of the host's loopback out, but the ports an
        // administrator allowed; --no-map-gw: the gateway's address does not lead to the host's loopback.
        args.AddRange([settings.PastaPath, "--config-net", "--quiet", "--foreground", "--no-map-gw", "-t", "none", "-u", "none", "-U", "none"]);
        var loopbackPorts = settings.HostLoopbackPorts.Concat(spec.CollectorPort is { } collector ? [collector] : []).Concat(spec.ApiServerPort is { } api ? [api] : []).Distinct().ToList();
        args.AddRange(["-T", loopbackPorts.Count == 0 ? "none" : string.Join(',', loopbackPorts.Select(p => p.ToString(CultureInfo.InvariantCulture)))]);
        if (spec.DnsForward)
        {
            args.AddRange(["--dns-forward", SandboxResolver.ForwardAddress]);
        }
        args.Add("--");

        args.AddRange([settings.BubblewrapPath, "--unshare-user", "--uid", uid, "--gid", gid]);
        args.AddRange(["--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try", "--hostname", spec.WorkspaceId]);
        // Its own session (no terminal of the service's to inject into); the agent leads it, as without a sandbox. Killed
        // with pasta, its parent: never without a network, and never after the web app (pasta is in a session of its own).
        args.AddRange(["--new-session", "--die-with-parent", "--cap-drop", "ALL"]);
        foreach (var path in settings.ReadOnlyPaths)
        {
            switch (exists(path))
            {
                case { Kind: PathKindValue.Directory }:
                    args.AddRange(["--ro-bind", path, path]);
                    break;
                case { Kind: PathKindValue.Link, Target: { } target }:
                    args.AddRange(["--symlink", target, path]);
                    break;
            }
        }

        foreach (var hidden in settings.HiddenPaths.Concat(spec.HiddenDirectories))
        {
            if (exists(hidden).Kind != PathKindValue.Missing)
            {
                args.AddRange(["--tmpfs", hidden]);
            }
        }

        args.AddRange(["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/var/tmp", "--tmpfs", "/run"]);
        args.AddRange(["--bind", spec.WorkspaceDirectory, spec.WorkspaceDirectory]);
        args.AddRange(["--bind", spec.SocketDirectory, InsideSocketDirectory]);
        args.AddRange(["--ro-bind", spec.AgentDirectory, spec.AgentDirectory]);
        foreach (var extra in spec.ReadOnlyExtras)
        {
            args.AddRange(["--ro-bind", extra, extra]);
        }

        if (spec.KubeDirectory is { } kube)
        {
            args.AddRange(["--ro-bind", kube, InsideKubeDirectory]);
        }

        if (spec.IdentityDirectory is { } identity)
        {
            args.AddRange(["--ro-bind", Path.Combine(identity, "passwd"), "/etc/passwd", "--ro-bind", Path.Combine(identity, "group"), "/etc/group"]);
            args.AddRange(["--ro-bind", Path.Combine(identity, "resolv.conf"), spec.ResolvConfMountPoint]);
        }

        args.AddRange(["--chdir", spec.WorkspaceDirectory, "--"]);
        args.AddRange(spec.Command);
        return args;
    }
}

public enum PathKindValue
{
    Missing,
    Directory,
    File,
    Link,
}

/// <summary>What a host path is; <see cref="Target"/> for a symbolic link.</summary>
public readonly record struct PathKind(PathKindValue Kind, string? Target = null)
{
    public static PathKind Of(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is { } target)
        {
            return new PathKind(PathKindValue.Link, target);
        }

        return Directory.Exists(path) ? new PathKind(PathKindValue.Directory) : File.Exists(path) ? new PathKind(PathKindValue.File) : new PathKind(PathKindValue.Missing);
    }
}
