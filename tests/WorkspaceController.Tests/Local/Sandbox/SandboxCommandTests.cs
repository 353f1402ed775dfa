using Workspaces.WorkspaceController.Local.Sandbox;

namespace Workspaces.WorkspaceController.Tests.Local.Sandbox;

public sealed class SandboxCommandTests
{
    private static readonly SandboxSpec Spec = new(
        "app-k3x9q2mz",
        "/srv/data/workspaces/app-k3x9q2mz",
        "/srv/data/workspaces/app-k3x9q2mz/.workspace/run",
        "/opt/workspaces/agent",
        ["/home/me/src/app"],
        200_001,
        200_001,
        SwitchUser: true,
        ["/opt/workspaces/agent/Workspaces.WorkspaceAgent", "--bootstrap-stdin", "--workspace=app-k3x9q2mz"],
        ["/srv/data", "/opt/workspaces"]);

    private static PathKind Host(string path) => path switch
    {
        "/usr" or "/etc" or "/opt" or "/srv/data" or "/opt/workspaces" => new PathKind(PathKindValue.Directory),
        "/bin" => new PathKind(PathKindValue.Link, "usr/bin"),
        "/lib" => new PathKind(PathKindValue.Link, "usr/lib"),
        _ => new PathKind(PathKindValue.Missing),
    };

    [Fact]
    public void Build_ServiceAsRoot_TakesTheWorkspacesUserThenTheSupervisor()
    {
        var args = SandboxCommand.Build(Spec, new SandboxSettings(), Host).ToList();

        Assert.Equal(new[] { "/usr/bin/setpriv", "--reuid=200001", "--regid=200001", "--clear-groups", "--", "/bin/sh", "-c", SandboxCommand.Supervisor, "sandbox" }, args.Take(9));
        Assert.True(args.IndexOf("/usr/bin/bwrap") > args.IndexOf("/usr/bin/pasta"));
        Assert.Equal(new[] { "/opt/workspaces/agent/Workspaces.WorkspaceAgent", "--bootstrap-stdin", "--workspace=app-k3x9q2mz" }, args.TakeLast(3));
    }

    [Fact]
    public void Build_Supervisor_GetsPastaLessItsTargetThenTheSandboxInItsOwnNamespaces()
    {
        var args = SandboxCommand.Build(Spec with { NetworkDirectory = "/srv/data/workspaces/app-k3x9q2mz.identity/network" }, new SandboxSettings(), Host).ToList();
        var count = int.Parse(args[args.IndexOf("sandbox") + 1], System.Globalization.CultureInfo.InvariantCulture);
        var helper = args.Skip(args.IndexOf("sandbox") + 2).Take(count).ToList();
        var sandbox = args.Skip(args.IndexOf("sandbox") + 2 + count).ToList();

        // pasta dies with the supervisor, and says it serves the namespace in the service's own directory.
        Assert.Equal(new[] { "/usr/bin/setpriv", "--pdeathsig", "KILL", "--", "/usr/bin/env", "--default-signal=PIPE", "/usr/bin/pasta" }, helper.Take(7));
        Assert.Equal(new[] { "--pid", "/srv/data/workspaces/app-k3x9q2mz.identity/network/pasta.pid" }, helper.TakeLast(2));
        Assert.Equal(new[] { "/usr/bin/unshare", "--user", "--map-root-user", "--net", "--" }, sandbox.Take(5));
        var bwrap = sandbox.IndexOf("/usr/bin/bwrap");
        Assert.True(bwrap > 0);
        Assert.Equal("3", sandbox[sandbox.IndexOf("--json-status-fd") + 1]);
        var network = sandbox.IndexOf("/srv/data/workspaces/app-k3x9q2mz.identity/network");
        Assert.Equal(("--ro-bind", SandboxCommand.InsideNetworkDirectory), (sandbox[network - 1], sandbox[network + 1]));
        Assert.True(network > sandbox.IndexOf("--tmpfs"), "shown after the service's directories are hidden");
    }

    [Fact]
    public void Build_Network_NoPortOfTheHostsLoopbackAndNoGatewayMapping()
    {
        var args = SandboxCommand.Build(Spec with { SwitchUser = false }, new SandboxSettings(), Host).ToList();
        var pasta = args.Skip(args.IndexOf("/usr/bin/pasta")).Take(args.IndexOf("/usr/bin/unshare") - args.IndexOf("/usr/bin/pasta")).ToList();

        Assert.Equal("/usr/bin/pasta", pasta[0]);
        Assert.Contains("--no-map-gw", pasta);
        foreach (var option in new[] { "-t", "-u", "-T", "-U" })
        {
            Assert.Equal("none", pasta[pasta.IndexOf(option) + 1]);
        }
    }

    [Fact]
    public void Build_AllowedHostLoopbackPort_IsTheOnlyOneForwarded()
    {
        var settings = new SandboxSettings();
        settings.HostLoopbackPorts.Add(8418);

        var args = SandboxCommand.Build(Spec, settings, Host).ToList();

        Assert.Equal("8418", args[args.IndexOf("-T") + 1]);
    }

    [Fact]
    public void Build_CollectorOnTheHostsLoopback_ItsPortIsForwardedBesideTheAllowedOnes()
    {
        var settings = new SandboxSettings();
        settings.HostLoopbackPorts.Add(8418);

        var args = SandboxCommand.Build(Spec with { CollectorPort = 4317 }, settings, Host).ToList();

        Assert.Equal("8418,4317", args[args.IndexOf("-T") + 1]);
    }

    [Fact]
    public void Build_ClusterAccess_KubeconfigDirectoryReadOnlyOutsideTheWorkspaceAndTheApiServersPortForwarded()
    {
        var args = SandboxCommand.Build(Spec with { KubeDirectory = "/srv/data/workspaces/app-k3x9q2mz.kube", ApiServerPort = 6443 }, new SandboxSettings(), Host).ToList();

        var bind = args.IndexOf("/srv/data/workspaces/app-k3x9q2mz.kube");
        Assert.Equal("--ro-bind", args[bind - 1]);
        Assert.Equal("/var/run/workspaces/kube", args[bind + 1]);
        Assert.False(SandboxCommand.InsideKubeDirectory.StartsWith(Spec.WorkspaceDirectory, StringComparison.Ordinal));
        Assert.Equal("6443", args[args.IndexOf("-T") + 1]);
    }

    [Fact]
    public void Build_WithoutClusterAccess_NoKubeconfigMountAndNoExtraPort()
    {
        var args = SandboxCommand.Build(Spec, new SandboxSettings(), Host).ToList();

        Assert.DoesNotContain("/var/run/workspaces/kube", args);
        Assert.Equal("none", args[args.IndexOf("-T") + 1]);
    }

    [Fact]
    public void Build_Filesystem_ToolchainReadOnlyServiceHiddenWorkspaceWritable()
    {
        var args = SandboxCommand.Build(Spec, new SandboxSettings(), Host).ToList();
        var text = string.Join(' ', args);

        foreach (var option in new[] { "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--new-session", "--die-with-parent" })
        {
            Assert.Contains(option, args);
        }

        Assert.DoesNotContain("--unshare-net", args);
        Assert.Contains("--ro-bind /usr /usr", text, StringComparison.Ordinal);
        Assert.Contains("--symlink usr/bin /bin", text, StringComparison.Ordinal);
        Assert.DoesNotContain("/lib64", text, StringComparison.Ordinal);
        Assert.Contains("--tmpfs /srv/data", text, StringComparison.Ordinal);
        Assert.Contains("--tmpfs /opt/workspaces ", text, StringComparison.Ordinal);
        Assert.Contains("--bind /srv/data/workspaces/app-k3x9q2mz /srv/data/workspaces/app-k3x9q2mz", text, StringComparison.Ordinal);
        Assert.Contains("--bind /srv/data/workspaces/app-k3x9q2mz/.workspace/run /run/workspace", text, StringComparison.Ordinal);
        Assert.Contains("--ro-bind /opt/workspaces/agent /opt/workspaces/agent", text, StringComparison.Ordinal);
        Assert.Contains("--ro-bind /home/me/src/app /home/me/src/app", text, StringComparison.Ordinal);

        // Hidden before the workspace is shown: bubblewrap applies its operations in order.
        Assert.True(text.IndexOf("--tmpfs /srv/data", StringComparison.Ordinal) < text.IndexOf("--bind /srv/data/workspaces", StringComparison.Ordinal));
        Assert.True(text.IndexOf("--tmpfs /opt/workspaces", StringComparison.Ordinal) < text.IndexOf("--ro-bind /opt/workspaces/agent", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_UndefinedIsolation_NamesTheKey()
    {
        var result = new SandboxOptionsValidator().Validate(null, new SandboxOptions { Isolation = (WorkspaceIsolation)9 });

        Assert.Contains(result.Failures!, f => f.StartsWith("Workspaces:Isolation", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_RelativeToolPathOrBadPort_NamesTheKey()
    {
        var options = new SandboxOptions();
        options.Sandbox.BubblewrapPath = "bwrap";
        options.Sandbox.UnsharePath = "unshare";
        options.Sandbox.HostLoopbackPorts.Add(70000);

        var failures = new SandboxOptionsValidator().Validate(null, options).Failures!;

        Assert.Contains(failures, f => f.StartsWith("Workspaces:Sandbox:BubblewrapPath", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Workspaces:Sandbox:UnsharePath", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Workspaces:Sandbox:HostLoopbackPorts", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_IdentityDirectory_ShowsItsPasswdAndGroupAtEtcAfterTheToolchain()
    {
        var args = SandboxCommand.Build(Spec with { IdentityDirectory = "/srv/data/workspaces/app-k3x9q2mz.identity" }, new SandboxSettings(), Host).ToList();

        var passwd = args.IndexOf("/srv/data/workspaces/app-k3x9q2mz.identity/passwd");
        Assert.Equal(("--ro-bind", "/etc/passwd"), (args[passwd - 1], args[passwd + 1]));
        Assert.Equal("/etc/group", args[args.IndexOf("/srv/data/workspaces/app-k3x9q2mz.identity/group") + 1]);
        Assert.True(passwd > args.IndexOf("/etc"), "bound over the host's /etc, not under it");
    }
}
