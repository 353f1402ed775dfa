using System.Diagnostics;
using Workspaces.FakeKubernetes;

namespace Workspaces.WorkspaceController.Tests.Docker;

/// <summary>
/// deploy/docker/agent-start.sh run by /bin/sh as a workspace container runs it, with stand-ins for the two agent
/// builds, the bundled musl loader and getconf (the C library the toolchain image reports).
/// </summary>
public sealed class AgentStartScriptTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("agent-start").FullName;

    public AgentStartScriptTests()
    {
        File.Copy(RepositoryRoot.Combine("deploy", "docker", "agent-start.sh"), Path.Combine(_root, "start"));
        Stub("glibc/Workspaces.WorkspaceAgent", "echo \"glibc $*\"");
        Stub("musl/Workspaces.WorkspaceAgent", "echo \"musl $*\"");
        Stub("musl/ld-musl-x86_64.so.1", "echo \"bundled-loader $*\"");
        Stub("musl/ld-musl-aarch64.so.1", "echo \"bundled-loader $*\"");
    }

    [Theory]
    [InlineData("glibc 2.36")]
    [InlineData("glibc 2.34")]
    [InlineData("glibc 3.0")]
    public async Task Start_GlibcAtOrAboveTheFloor_RunsTheGlibcBuild(string getconf)
    {
        var output = await RunAsync($"echo '{getconf}'");

        Assert.Equal("glibc --bootstrap-file /etc/workspaces/bootstrap.json", output.Trim());
    }

    [Theory]
    [InlineData("echo 'glibc 2.31'")]
    [InlineData("echo 'glibc 2.17'")]
    [InlineData("exit 1")]
    public async Task Start_OlderGlibcOrNone_RunsTheMuslBuildWithItsOwnLoader(string getconf)
    {
        Assert.False(File.Exists("/lib/ld-musl-x86_64.so.1") || File.Exists("/lib/ld-musl-aarch64.so.1"), "this test expects a host without a system musl");

        var output = await RunAsync(getconf);

        var musl = Path.Combine(_root, "musl");
        Assert.Equal($"bundled-loader --library-path {musl} {musl}/Workspaces.WorkspaceAgent --bootstrap-file /etc/workspaces/bootstrap.json", output.Trim());
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Stub(string relative, string body)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private async Task<string> RunAsync(string getconfBody)
    {
        Stub("bin/getconf", getconfBody);
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(_root, "start"));
        start.ArgumentList.Add("--bootstrap-file");
        start.ArgumentList.Add("/etc/workspaces/bootstrap.json");
        start.Environment["PATH"] = $"{Path.Combine(_root, "bin")}:/usr/bin:/bin";
        using var process = Process.Start(start)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, stderr);
        return stdout;
    }
}
