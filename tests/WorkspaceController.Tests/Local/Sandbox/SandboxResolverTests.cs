using Workspaces.WorkspaceController.Local.Sandbox;

namespace Workspaces.WorkspaceController.Tests.Local.Sandbox;

public sealed class SandboxResolverTests
{
    [Fact]
    public void Rewrite_ResolverOnTheHostsLoopback_BecomesPastasForwardAddress()
    {
        var (text, forward) = SandboxResolver.Rewrite("# systemd-resolved\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch corp.example\n");

        Assert.True(forward);
        Assert.Equal("# systemd-resolved\nnameserver 169.254.1.1\noptions edns0 trust-ad\nsearch corp.example\n", text);
    }

    [Fact]
    public void Rewrite_ResolverOnTheNetwork_IsKeptAndNothingIsForwarded()
    {
        var (text, forward) = SandboxResolver.Rewrite("nameserver 10.255.255.53\nnameserver 2001:db8::53\n");

        Assert.False(forward);
        Assert.Equal("nameserver 10.255.255.53\nnameserver 2001:db8::53\n", text);
    }

    [Theory]
    [InlineData("nameserver 127.0.0.1\nnameserver ::1\n")]
    [InlineData("nameserver\t127.0.1.1\n")]
    public void Rewrite_SeveralLoopbackForms_OneForwardAddress(string host)
    {
        var (text, forward) = SandboxResolver.Rewrite(host);

        Assert.True(forward);
        Assert.Equal("nameserver 169.254.1.1\n", text);
    }

    [Theory]
    [InlineData("/run/systemd/resolve/stub-resolv.conf", "/run/systemd/resolve/stub-resolv.conf")]
    [InlineData("/etc/resolv.conf", "/etc/resolv.conf")]
    [InlineData(null, "/etc/resolv.conf")]
    public void MountPoint_HostFileIsALink_MountsOnWhatItLinksTo(string? resolved, string expected) =>
        Assert.Equal(expected, SandboxResolver.MountPoint(resolved));
}
