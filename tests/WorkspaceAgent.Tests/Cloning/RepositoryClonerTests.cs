using Microsoft.Extensions.Logging.Abstractions;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Network;
using Workspaces.WorkspaceAgent.Cloning;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.Cloning;

/// <summary>Clones through the clone worker (the built agent binary), as the agent does, against real Git servers.</summary>
public sealed class RepositoryClonerTests(GitServerFixture git) : IClassFixture<GitServerFixture>, IDisposable
{
    private readonly TempDirectory _workspace = TempDirectory.Create("ws-clone");
    private readonly List<CloneProgress> _progress = [];

    private WorkspaceLayout Layout => new(_workspace.Path, "repo");

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task EnsureCheckout_FileUrl_ClonesDefaultBranch()
    {
        var result = await CloneAsync(new CloneRequest(git.FileRepository.FileUrl, null, null, 0));

        Assert.Equal(CloneOutcome.Cloned, result.Outcome);
        Assert.True(File.Exists(Path.Combine(Layout.CheckoutDirectory, "README.md")));
        Assert.False(File.Exists(Path.Combine(Layout.CheckoutDirectory, "feature.txt")));
        Assert.Equal("main", await CurrentBranchAsync());
    }

    [Fact]
    public async Task EnsureCheckout_PublicHttpRepositoryWithBranch_ChecksOutThatBranch()
    {
        var result = await CloneAsync(new CloneRequest(git.PublicUrl, "feature", null, 0, Network: TestBootstraps.LoopbackAllowed));

        Assert.Equal(CloneOutcome.Cloned, result.Outcome);
        Assert.True(File.Exists(Path.Combine(Layout.CheckoutDirectory, "feature.txt")));
        Assert.Equal("feature", await CurrentBranchAsync());
        Assert.False(Directory.Exists(RepositoryCloner.ScratchDirectory(Layout)));
    }

    [Fact]
    public async Task EnsureCheckout_PrivateRepositoryWithRightToken_Clones()
    {
        var result = await CloneAsync(new CloneRequest(git.PrivateUrl, null, Credential(GitServerFixture.Alice.Password), 0, Network: TestBootstraps.LoopbackAllowed));

        Assert.Equal(CloneOutcome.Cloned, result.Outcome);
        Assert.True(File.Exists(Path.Combine(Layout.CheckoutDirectory, "README.md")));
        var config = await File.ReadAllTextAsync(Path.Combine(Layout.CheckoutDirectory, ".git", "config"));
        Assert.DoesNotContain(GitServerFixture.Alice.Password, config, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureCheckout_PrivateRepositoryWithoutToken_AuthenticationRequired()
    {
        var result = await CloneAsync(new CloneRequest(git.PrivateUrl, null, null, 0, Network: TestBootstraps.LoopbackAllowed));

        var error = AssertFailed(result, AgentErrorCode.AuthenticationRequired);
        Assert.Contains("127.0.0.1", error.Advice, StringComparison.Ordinal);
        Assert.Contains("Settings → Git credentials", error.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureCheckout_PrivateRepositoryWithWrongToken_AuthenticationFailedWithoutTheToken()
    {
        const string wrongToken = "wrong-token-77f1";

        var result = await CloneAsync(new CloneRequest(git.PrivateUrl, null, Credential(wrongToken), 0, Network: TestBootstraps.LoopbackAllowed));

        var error = AssertFailed(result, AgentErrorCode.AuthenticationFailed);
        Assert.Contains("rejected", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongToken, error.Message + error.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureCheckout_MissingHttpRepository_RepositoryNotFound()
    {
        var url = git.Server.RepositoryUrl("org/missing");

        var result = await CloneAsync(new CloneRequest(url, null, null, 0, Network: TestBootstraps.LoopbackAllowed));

        var error = AssertFailed(result, AgentErrorCode.RepositoryNotFound);
        Assert.Contains(url, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureCheckout_MissingFileRepository_RepositoryNotFound()
    {
        var result = await CloneAsync(new CloneRequest(new Uri(_workspace.Combine("nowhere.git")).AbsoluteUri, null, null, 0));

        AssertFailed(result, AgentErrorCode.RepositoryNotFound);
    }

    [Fact]
    public async Task EnsureCheckout_MissingBranch_BranchNotFoundNamingBranchAndDefault()
    {
        var result = await CloneAsync(new CloneRequest(git.PublicUrl, "no-such-branch", null, 0, Network: TestBootstraps.LoopbackAllowed));

        var error = AssertFailed(result, AgentErrorCode.BranchNotFound);
        Assert.Contains("'no-such-branch'", error.Message, StringComparison.Ordinal);
        Assert.Contains("the default branch is 'main'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureCheckout_ClosedPort_HostUnreachable()
    {
        var url = new Uri(ClosedPort.HttpUrl(), "org/repo.git").AbsoluteUri;

        var result = await CloneAsync(new CloneRequest(url, null, null, 0, Network: TestBootstraps.LoopbackAllowed));

        AssertFailed(result, AgentErrorCode.HostUnreachable);
    }

    [Fact]
    public async Task EnsureCheckout_ServerDropsConnections_HostUnreachable()
    {
        await using var server = await SmartHttpGitServer.StartAsync();
        await server.CreateRepositoryAsync("org/repo", new GitRepositoryBuilder());
        server.DropConnections = true;

        var result = await CloneAsync(new CloneRequest(server.RepositoryUrl("org/repo"), null, null, 0, Network: TestBootstraps.LoopbackAllowed));

        AssertFailed(result, AgentErrorCode.HostUnreachable);
    }

    [Fact]
    public async Task EnsureCheckout_RepositoryLargerThanDiskLimit_DiskLimitReachedAndScratchRemoved()
    {
        var result = await CloneAsync(new CloneRequest(git.LargeUrl, null, null, DiskLimitBytes: 200 * 1024, Network: TestBootstraps.LoopbackAllowed));

        var error = AssertFailed(result, AgentErrorCode.DiskLimitReached);
        Assert.Contains("200 KiB", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(RepositoryCloner.ScratchDirectory(Layout)));
    }

    [Fact]
    public async Task EnsureCheckout_UnsupportedScheme_InvalidRepositoryUrlWithoutStartingGit()
    {
        // libgit2 crashes the process on an ftp:// URL; the agent must refuse it first.
        var result = await CloneAsync(new CloneRequest("ftp://example.invalid/repo.git", null, null, 0));

        AssertFailed(result, AgentErrorCode.InvalidRepositoryUrl);
        Assert.False(Directory.Exists(Layout.StateDirectory));
    }

    [Fact]
    public async Task EnsureCheckout_Progress_FractionRisesToOne()
    {
        var result = await CloneAsync(new CloneRequest(git.PublicUrl, null, null, 0, Network: TestBootstraps.LoopbackAllowed));

        Assert.Equal(CloneOutcome.Cloned, result.Outcome);
        Assert.NotEmpty(_progress);
        var fractions = _progress.Select(progress => progress.Fraction).ToList();
        Assert.Equal(fractions.Order().ToList(), fractions);
        Assert.Equal(1.0, fractions[^1]);
        Assert.True(_progress[^1].ReceivedBytes > 80 * 1024, "the 40 random files should have been received");
    }

    [Fact]
    public async Task EnsureCheckout_ExistingCheckout_KeepsUncommittedAndUntrackedFilesWithoutFetching()
    {
        Assert.Equal(CloneOutcome.Cloned, (await CloneAsync(new CloneRequest(git.PublicUrl, null, null, 0, Network: TestBootstraps.LoopbackAllowed))).Outcome);
        var readme = Path.Combine(Layout.CheckoutDirectory, "README.md");
        var untracked = Path.Combine(Layout.CheckoutDirectory, "notes.txt");
        await File.WriteAllTextAsync(readme, "changed but not committed\n");
        await File.WriteAllTextAsync(untracked, "never added\n");
        var requestsBefore = git.Server.Requests.Count(request => request.Contains("/org/public.git/", StringComparison.Ordinal));

        var result = await CloneAsync(new CloneRequest(git.PublicUrl, null, null, 0, Network: TestBootstraps.LoopbackAllowed));

        Assert.Equal(CloneOutcome.ExistingCheckout, result.Outcome);
        Assert.Equal("changed but not committed\n", await File.ReadAllTextAsync(readme));
        Assert.Equal("never added\n", await File.ReadAllTextAsync(untracked));
        var status = await GitCli.RunAsync(Layout.CheckoutDirectory, "status", "--porcelain");
        Assert.Contains(" M README.md", status, StringComparison.Ordinal);
        Assert.Contains("?? notes.txt", status, StringComparison.Ordinal);
        Assert.Equal(requestsBefore, git.Server.Requests.Count(request => request.Contains("/org/public.git/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task EnsureCheckout_LeftoverScratchFromAnInterruptedClone_StartsClean()
    {
        var scratch = RepositoryCloner.ScratchDirectory(Layout);
        Directory.CreateDirectory(Path.Combine(scratch, ".git"));
        await File.WriteAllTextAsync(Path.Combine(scratch, "half-written.bin"), "x");

        var result = await CloneAsync(new CloneRequest(git.PublicUrl, null, null, 0, Network: TestBootstraps.LoopbackAllowed));

        Assert.Equal(CloneOutcome.Cloned, result.Outcome);
        Assert.False(File.Exists(Path.Combine(Layout.CheckoutDirectory, "half-written.bin")));
    }

    [Fact]
    public async Task EnsureCheckout_CancelledWhileCloning_StopsAndLeavesNothing()
    {
        await using var server = await SmartHttpGitServer.StartAsync();
        await server.CreateRepositoryAsync("org/big", new GitRepositoryBuilder().WithRandomFiles(count: 8, bytesEach: 64 * 1024));
        server.ResponseBytesPerSecond = 64 * 1024;
        using var cancel = new CancellationTokenSource();
        var cloner = new RepositoryCloner(new WorkerProcessCloneRunner(AgentBinary.CloneWorker, NullLogger<WorkerProcessCloneRunner>.Instance), NullLogger<RepositoryCloner>.Instance);

        var result = await cloner.EnsureCheckoutAsync(
            new CloneRequest(server.RepositoryUrl("org/big"), null, null, 0, Network: TestBootstraps.LoopbackAllowed),
            Layout,
            progress =>
            {
                if (progress.ReceivedBytes > 0)
                {
                    cancel.Cancel();
                }
            },
            cancel.Token);

        Assert.Equal(CloneOutcome.Cancelled, result.Outcome);
        Assert.False(Directory.Exists(Layout.CheckoutDirectory));
        Assert.False(Directory.Exists(RepositoryCloner.ScratchDirectory(Layout)));
    }

    private async Task<CloneResult> CloneAsync(CloneRequest request)
    {
        var cloner = new RepositoryCloner(
            new WorkerProcessCloneRunner(AgentBinary.CloneWorker, NullLogger<WorkerProcessCloneRunner>.Instance),
            NullLogger<RepositoryCloner>.Instance);
        return await cloner.EnsureCheckoutAsync(request, Layout, _progress.Add, CancellationToken.None);
    }

    private async Task<string> CurrentBranchAsync() =>
        (await GitCli.RunAsync(Layout.CheckoutDirectory, "rev-parse", "--abbrev-ref", "HEAD")).Trim();

    private AgentError AssertFailed(CloneResult result, AgentErrorCode code)
    {
        Assert.Equal(CloneOutcome.Failed, result.Outcome);
        Assert.NotNull(result.Error);
        Assert.True(code == result.Error.Code, $"Expected {code}, got {result.Error.Code}: {result.Error.Message}");
        Assert.False(string.IsNullOrWhiteSpace(result.Error.Advice));
        Assert.False(Directory.Exists(Layout.CheckoutDirectory), "a failed clone must not leave a checkout");
        Assert.False(Directory.Exists(RepositoryCloner.ScratchDirectory(Layout)), "a failed clone must clean its scratch directory");
        return result.Error;
    }

    private static GitCredential Credential(string password) => new(GitServerFixture.Alice.Username, password);
}
