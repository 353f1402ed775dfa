using System.Diagnostics;
using System.Text.Json;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Files;
using Workspaces.WorkspaceAgent.Cloning;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.EndToEnd;

/// <summary>The built agent as a Kubernetes pod's clone init container runs it: <c>--clone-only --bootstrap-file</c>, from the mounted Secret.</summary>
public sealed class AgentCloneOnlyTests(GitServerFixture git) : IClassFixture<GitServerFixture>, IDisposable
{
    private readonly TempDirectory _workspace = TempDirectory.Create("ws-clone-only");

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task CloneOnly_PrivateRepository_ClonesWithTheCredentialAndExits()
    {
        var bootstrap = TestBootstraps.Create(_workspace.Path, git.PrivateUrl, credential: new GitCredential(GitServerFixture.Alice.Username, GitServerFixture.Alice.Password));

        var (code, output) = await RunAsync(bootstrap);

        Assert.Equal(0, code);
        Assert.Contains("checkout ready: Cloned", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(TestBootstraps.LayoutOf(bootstrap).CheckoutDirectory, "README.md")));
        Assert.DoesNotContain(GitServerFixture.Alice.Password, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CloneOnly_ExistingCheckout_LeavesTheUsersFilesAlone()
    {
        var bootstrap = TestBootstraps.Create(_workspace.Path, git.PublicUrl);
        await RunAsync(bootstrap);
        var edited = Path.Combine(TestBootstraps.LayoutOf(bootstrap).CheckoutDirectory, "README.md");
        await File.WriteAllTextAsync(edited, "the user's unsaved work");

        var (code, output) = await RunAsync(bootstrap);

        Assert.Equal(0, code);
        Assert.Contains("checkout ready: ExistingCheckout", output, StringComparison.Ordinal);
        Assert.Equal("the user's unsaved work", await File.ReadAllTextAsync(edited));
    }

    [Fact]
    public async Task CloneOnly_CloneFails_ExitsNonZeroWithTheReasonAsTheTerminationMessage()
    {
        var bootstrap = TestBootstraps.Create(_workspace.Path, git.PrivateUrl, credential: new GitCredential("alice", "wrong-token"));
        var terminationLog = Path.Combine(_workspace.Path, "termination-log");

        var (code, output) = await RunAsync(bootstrap, terminationLog);

        // The pod fails (restartPolicy Never) and the controller shows this message on the start screen.
        Assert.Equal(1, code);
        var message = await File.ReadAllTextAsync(terminationLog);
        Assert.StartsWith($"Cloning {git.PrivateUrl} failed", message, StringComparison.Ordinal);
        Assert.Contains(message, output, StringComparison.Ordinal);
        Assert.False(RepositoryCloner.HasCheckout(TestBootstraps.LayoutOf(bootstrap)));
        Assert.DoesNotContain("wrong-token", output + message, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Output)> RunAsync(AgentBootstrap bootstrap, string? terminationLog = null)
    {
        var file = Path.Combine(_workspace.Path, "bootstrap.json");
        await File.WriteAllBytesAsync(file, JsonSerializer.SerializeToUtf8Bytes(bootstrap, AgentJson.Options));
        var start = new ProcessStartInfo(AgentBinary.Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] extra = terminationLog is null ? [] : [CloneOnlyCommand.TerminationLogSwitch, terminationLog];
        string[] args = [CloneOnlyCommand.Switch, "--bootstrap-file", file, .. extra];
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
