using Workspaces.WorkspaceController.Local.Sandbox;

namespace Workspaces.WorkspaceController.Tests.Local.Sandbox;

public sealed class SandboxIdentityTests
{
    private const string HostPasswd = """
        root:x:0:0:root:/root:/bin/bash
        daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
        alice:x:1000:1000:Alice:/home/alice:/bin/bash
        workspace:x:1001:1001::/home/workspace:/bin/sh
        nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin

        """;

    private const string HostGroup = """
        root:x:0:
        sudo:x:27:alice
        alice:x:1000:
        nogroup:x:65534:

        """;

    [Fact]
    public void Passwd_WorkspaceUser_HasANameAndTheWorkspacesHome()
    {
        var passwd = SandboxIdentity.Passwd(HostPasswd, "workspace", 200_001, 200_001, "/data/ws/a/.home", "/bin/bash");

        Assert.Contains("workspace:x:200001:200001:Workspace:/data/ws/a/.home:/bin/bash\n", passwd, StringComparison.Ordinal);
        Assert.Single(passwd.Split('\n'), l => l.StartsWith("workspace:", StringComparison.Ordinal));
    }

    [Fact]
    public void Passwd_OtherPeopleOfTheHost_AreNotListed()
    {
        var passwd = SandboxIdentity.Passwd(HostPasswd, "workspace", 200_001, 200_001, "/h", "/bin/sh");

        Assert.DoesNotContain("alice", passwd, StringComparison.Ordinal);
        Assert.Contains("root:x:0:0:", passwd, StringComparison.Ordinal);
        Assert.Contains("nobody:x:65534:", passwd, StringComparison.Ordinal);
    }

    [Fact]
    public void Group_OnlyItsOwnAndNogroup_NoTtyGroupForSshdToChownTo()
    {
        var group = SandboxIdentity.Group(HostGroup + "tty:x:5:\n", "workspace", 200_001);

        Assert.Equal("nogroup:x:65534:\nworkspace:x:200001:\n", group);
        Assert.DoesNotContain("alice", group, StringComparison.Ordinal);
        Assert.EndsWith("workspace:x:200001:\n", group, StringComparison.Ordinal);
    }
}
