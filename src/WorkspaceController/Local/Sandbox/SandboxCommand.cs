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
/// <param name="NetworkDirectory">A host directory writable by <paramref name="Uid"/> and out of the workspace's reach, shown read-only at
/// <see cref="SandboxCommand.InsideNetworkDirectory"/>: pasta writes <see cref="SandboxCommand.NetworkReadyFileName"/> there once it serves the namespace.</param>
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
    int? ApiServerPort = null,
    string? NetworkDirectory = null);

/// <summary>
/// The command line of a sandboxed agent: [setpriv to the workspace's user,] a small supervisor (<see cref="Supervisor"/>)
/// that starts the sandbox — unshare (a user and a network namespace), then bubblewrap inside them (user, mount, PID, IPC
/// and UTS namespaces, no_new_privs, a filesystem of the toolchain read-only plus the workspace's directory) — and, as soon
/// as the namespaces exist, pasta attached to them (a user-mode route to the internet and none to the host's loopback).
/// pasta sets the network up while the agent starts instead of before it: the agent waits for it only when it first needs
/// it (<see cref="InsideNetworkReadyFile"/>, before the clone). A pure function.
/// </summary>
public static class SandboxCommand
{
    /// <summary>Where the agent's Unix socket directory appears inside (short: a socket path has at most 107 bytes).</summary>
    public const string InsideSocketDirectory = "/run/workspace";

    public const string SocketFileName = "agent.sock";

    public static string InsideListenUrl => $"http://unix:{InsideSocketDirectory}/{SocketFileName}";

    /// <summary>Where a workspace with cluster access sees its kubeconfig directory: the path a workspace pod mounts it at.</summary>
    public const string InsideKubeDirectory = WorkspaceController.ClusterAccess.ClusterAccessBuilder.KubeMount;

    /// <summary>Where <see cref="SandboxSpec.NetworkDirectory"/> appears inside (read-only).</summary>
    public const string InsideNetworkDirectory = "/run/network";

    /// <summary>pasta's pid file, written once pasta has configured the namespace and serves it.</summary>
    public const string NetworkReadyFileName = "pasta.pid";

    public static string InsideNetworkReadyFile => $"{InsideNetworkDirectory}/{NetworkReadyFileName}";

    /// <summary>
    /// The supervisor, a POSIX sh script run as <c>sh -c Supervisor sandbox N helper… sandbox…</c>: the first N arguments
    /// are the network helper's (pasta, less its target), the rest the sandbox's (unshare … bubblewrap … the agent). That
    /// bubblewrap reports on descriptor 3 (<c>--json-status-fd</c>, never seen inside): a line once its child exists (so do
    /// the namespaces unshare made), and its end (the line with the exit code, then end of file). pasta is attached to the
    /// namespaces of bubblewrap's outer process, the child's parent: the child is in a nested user namespace, which does
    /// not own the network namespace. pasta ends with the sandbox (killed; by its parent-death signal should the
    /// supervisor be killed), and the sandbox with pasta: a pasta that fails or dies takes the sandbox with it, as when
    /// pasta was its parent. The supervisor exits with the sandbox's exit code.
    /// </summary>
    public const string Supervisor = """
        n=$1; shift
        exec 4>&1
        { shift "$n"; exec "$@" 3>&1 1>&4 4>&-; } | {
          exec 4>&-
          IFS= read -r started || exit 1
          child=${started#*'"child-pid": '}; child=${child%%[!0-9]*}
          read -r _ _ _ sandbox _ < "/proc/$child/stat" || exit 1
          c=0; for a do [ "$c" -lt "$n" ] && set -- "$@" "$a"; c=$((c+1)); done; shift "$c"
          { "$@" "$sandbox" || kill -KILL "$sandbox"; } &
          helper=$!
          status=1
          while IFS= read -r line; do
            case $line in *'"exit-code": '*) status=${line#*'"exit-code": '}; status=${status%%[!0-9]*} ;; esac
          done
          kill -KILL "$helper"
          exit "$status"
        }
        """;

    /// <summary>Run by sh in the new namespaces, before bubblewrap: ping sockets for the namespaces' root (the workspace's user), as pasta sets up a namespace of its own.</summary>
    private const string PingGroup = "echo '0 0' 2>/dev/null > /proc/sys/net/ipv4/ping_group_range; exec \"$@\"";

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

        args.AddRange([settings.ShellPath, "-c", Supervisor, "sandbox", ""]);
        var helperStart = args.Count;

        // pasta dies with the supervisor, whatever kills it. The web app's runtime (.NET) leaves SIGPIPE ignored in the
        // processes it starts, and this pasta (Debian 12's) then refuses to start ("Couldn't install signal handlers"):
        // env puts it back to the default first.
        args.AddRange([settings.SetprivPath, "--pdeathsig", "KILL", "--", "/usr/bin/env", "--default-signal=PIPE"]);

        // -t/-u none: nothing of the host is forwarded in; -T/-U: nothing of the host's loopback out, but the ports an
        // administrator allowed; --no-map-gw: the gateway's address does not lead to the host's loopback.
        args.AddRange([settings.PastaPath, "--config-net", "--quiet", "--foreground", "--no-map-gw", "-t", "none", "-u", "none", "-U", "none"]);
        var loopbackPorts = settings.HostLoopbackPorts.Concat(spec.CollectorPort is { } collector ? [collector] : []).Concat(spec.ApiServerPort is { } api ? [api] : []).Distinct().ToList();
        args.AddRange(["-T", loopbackPorts.Count == 0 ? "none" : string.Join(',', loopbackPorts.Select(p => p.ToString(CultureInfo.InvariantCulture)))]);
        if (spec.DnsForward)
        {
            args.AddRange(["--dns-forward", SandboxResolver.ForwardAddress]);
        }

        if (spec.NetworkDirectory is { } network)
        {
            args.AddRange(["--pid", Path.Combine(network, NetworkReadyFileName)]);
        }

        args[helperStart - 1] = (args.Count - helperStart).ToString(CultureInfo.InvariantCulture);

        // The user and network namespaces pasta attaches to; the workspace's user is their root, as pasta would map it.
        args.AddRange([settings.UnsharePath, "--user", "--map-root-user", "--net", "--", settings.ShellPath, "-c", PingGroup, "sandbox"]);
        args.AddRange([settings.BubblewrapPath, "--unshare-user", "--uid", uid, "--gid", gid]);
        args.AddRange(["--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try", "--hostname", spec.WorkspaceId]);
        // Its own session (no terminal of the service's to inject into); the agent leads it, as without a sandbox. Killed
        // with the supervisor, its parent, which is in a session of its own: never after the web app.
        args.AddRange(["--new-session", "--die-with-parent", "--cap-drop", "ALL", "--json-status-fd", "3"]);
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

        if (spec.NetworkDirectory is { } networkDirectory)
        {
            args.AddRange(["--ro-bind", networkDirectory, InsideNetworkDirectory]);
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
