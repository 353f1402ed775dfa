using Microsoft.Extensions.Logging.Abstractions;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Repositories;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Network;
using Workspaces.WorkspaceAgent.Cloning;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.Cloning;

/// <summary>
/// The SSRF suite: a real Git server on loopback stands for an internal service, and clones are aimed at it in every
/// notation published for reaching loopback, private and metadata addresses. It must never see a request unless an
/// administrator allowed it; redirects must not carry a clone elsewhere; and every refusal reads the same.
/// </summary>
public sealed class CloneNetworkTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _workspace = TempDirectory.Create("ws-clone-net");
    private SmartHttpGitServer _internal = null!;

    private WorkspaceLayout Layout => new(_workspace.Path, "repo");

    private int Port => _internal.BaseUrl.Port;

    public async Task InitializeAsync()
    {
        _internal = await SmartHttpGitServer.StartAsync();
        await _internal.CreateRepositoryAsync("org/repo", new GitRepositoryBuilder().WithFile("README.md", "internal\n"));
    }

    public async Task DisposeAsync() => await _internal.DisposeAsync();

    public void Dispose() => _workspace.Dispose();

    /// <summary>
    /// Ways to write the loopback server's address (from the SSRF bypass lists: decimal, octal, hexadecimal and short
    /// IPv4 forms, trailing dots, IPv6 and IPv4-mapped IPv6, the unspecified address, user-info tricks), plus internal
    /// ranges where nothing listens (private, CGNAT, metadata, NAT64, 6to4, unique-local, link-local, multicast).
    /// </summary>
    public static TheoryData<string> HostileAuthorities => new()
    {
        "127.0.0.1:{port}",
        "127.1:{port}",
        "127.0.1:{port}",
        "2130706433:{port}",
        "0x7f000001:{port}",
        "0x7f.1:{port}",
        "0x7f.0.0.1:{port}",
        "0177.0.0.1:{port}",
        "0177.1:{port}",
        "017700000001:{port}",
        "127.000.000.001:{port}",
        "127.0.0.1.:{port}",
        "127.255.255.254:{port}",
        "localhost:{port}",
        "localhost.:{port}",
        "LOCALHOST:{port}",
        "0.0.0.0:{port}",
        "0:{port}",
        "[::1]:{port}",
        "[0:0:0:0:0:0:0:1]:{port}",
        "[::]:{port}",
        "[::ffff:127.0.0.1]:{port}",
        "[::ffff:7f00:1]:{port}",
        "[0:0:0:0:0:ffff:127.0.0.1]:{port}",
        "[::127.0.0.1]:{port}",
        "github.com@127.0.0.1:{port}",
        "user:pass@127.0.0.1:{port}",
        "10.0.0.1:{port}",
        "172.16.0.1:{port}",
        "192.168.0.1:{port}",
        "100.64.0.1:{port}",
        "169.254.169.254",
        "169.254.169.254:{port}",
        "[fd00:ec2::254]",
        "[::ffff:169.254.169.254]",
        "[64:ff9b::a9fe:a9fe]",
        "[64:ff9b::7f00:1]:{port}",
        "[2002:7f00:1::1]:{port}",
        "[2002:a9fe:a9fe::1]",
        "[fc00::1]:{port}",
        "[fe80::1]:{port}",
        "[ff02::1]:{port}",
        "224.0.0.1:{port}",
        "255.255.255.255:{port}",
        "192.0.0.170:{port}",
        "198.18.0.1:{port}",
    };

    [Theory]
    [MemberData(nameof(HostileAuthorities))]
    public async Task Clone_InternalTargetInAnyNotation_RefusedWithTheUniformErrorAndNeverContacted(string authority)
    {
        var url = $"http://{authority.Replace("{port}", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)}/org/repo.git";

        var result = await CloneInProcessAsync(new CloneRequest(url, null, null, 0));

        var error = AssertUnreachable(result);
        Assert.Contains("not at a public address", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _internal.RequestCount);
    }

    [Fact]
    public async Task Clone_LoopbackAllowedByNetwork_Clones()
    {
        var result = await CloneInProcessAsync(new CloneRequest(_internal.RepositoryUrl("org/repo"), null, null, 0, new RepositoryNetwork([], ["127.0.0.0/8"])));

        Assert.Equal(CloneOutcome.Cloned, result.Outcome);
        Assert.Equal("internal\n", await File.ReadAllTextAsync(Path.Combine(Layout.CheckoutDirectory, "README.md")));
    }

    [Fact]
    public async Task Clone_LoopbackAllowedByHostName_ClonesThatNameOnly()
    {
        var byName = new RepositoryNetwork(["localhost"], []);

        var byAddress = await CloneInProcessAsync(new CloneRequest(_internal.RepositoryUrl("org/repo"), null, null, 0, byName));
        AssertUnreachable(byAddress);
        var result = await CloneInProcessAsync(new CloneRequest($"http://localhost:{Port}/org/repo.git", null, null, 0, byName));

        Assert.Equal(CloneOutcome.Cloned, result.Outcome);
    }

    [Fact]
    public async Task Clone_OtherNetworkAllowed_StillRefusesLoopback()
    {
        var result = await CloneInProcessAsync(new CloneRequest(_internal.RepositoryUrl("org/repo"), null, null, 0, new RepositoryNetwork(["git.corp.example"], ["10.20.0.0/16"])));

        AssertUnreachable(result);
        Assert.Equal(0, _internal.RequestCount);
    }

    [Fact]
    public async Task Clone_RedirectToAnotherPort_RefusedAndTheTargetNeverContacted()
    {
        // Both servers are allowed (loopback), so only the redirect rule stands between the clone and the second one.
        await using var redirector = await SmartHttpGitServer.StartAsync();
        redirector.AddRedirect("org/moved", _internal.RepositoryUrl("org/repo"));

        var result = await CloneThroughWorkerAsync(new CloneRequest(redirector.RepositoryUrl("org/moved"), null, null, 0, TestBootstraps.LoopbackAllowed));

        Assert.Equal(CloneOutcome.Failed, result.Outcome);
        Assert.Contains("redirect", result.Error!.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(redirector.Requests, request => request.StartsWith("GET /org/moved.git/info/refs", StringComparison.Ordinal));
        Assert.Equal(0, _internal.RequestCount);
        Assert.False(Directory.Exists(Layout.CheckoutDirectory));
    }

    [Fact]
    public async Task Clone_RedirectToMetadataAddress_Refused()
    {
        await using var redirector = await SmartHttpGitServer.StartAsync();
        redirector.AddRedirect("org/moved", "http://169.254.169.254/latest/meta-data");

        var result = await CloneThroughWorkerAsync(new CloneRequest(redirector.RepositoryUrl("org/moved"), null, null, 0, TestBootstraps.LoopbackAllowed));

        Assert.Equal(CloneOutcome.Failed, result.Outcome);
        Assert.Contains("redirect", result.Error!.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Clone_RedirectWithinTheSameHost_FollowedAndCloned()
    {
        _internal.AddRedirect("org/old-name", _internal.RepositoryUrl("org/repo"));

        var result = await CloneThroughWorkerAsync(new CloneRequest(_internal.RepositoryUrl("org/old-name"), null, null, 0, TestBootstraps.LoopbackAllowed));

        Assert.Equal(CloneOutcome.Cloned, result.Outcome);
        Assert.Contains(_internal.Requests, request => request.StartsWith("POST /org/repo.git/git-upload-pack", StringComparison.Ordinal));
    }

    /// <summary>Refused by the rule, nobody listening, a dropped connection, a name that does not resolve: the same words.</summary>
    [Fact]
    public async Task Clone_EveryUnreachableInternalTarget_GivesOneUniformMessage()
    {
        await using var dropping = await SmartHttpGitServer.StartAsync();
        await dropping.CreateRepositoryAsync("org/repo", new GitRepositoryBuilder());
        dropping.DropConnections = true;
        var cases = new[]
        {
            (Url: _internal.RepositoryUrl("org/repo"), Network: RepositoryNetwork.PublicOnly),
            (Url: new Uri(ClosedPort.HttpUrl(), "org/repo.git").AbsoluteUri, Network: TestBootstraps.LoopbackAllowed),
            (Url: dropping.RepositoryUrl("org/repo"), Network: TestBootstraps.LoopbackAllowed),
            (Url: "http://no-such-host.invalid/org/repo.git", Network: RepositoryNetwork.PublicOnly),
        };

        var messages = new List<string>();
        foreach (var (url, network) in cases)
        {
            var error = AssertUnreachable(await CloneThroughWorkerAsync(new CloneRequest(url, null, null, 0, network)));
            var host = new Uri(url).Authority;
            messages.Add((error.Message + " " + error.Advice).Replace(url, "<url>", StringComparison.Ordinal).Replace(host, "<host>", StringComparison.Ordinal));
        }

        Assert.Single(messages.Distinct());
    }

    private async Task<CloneResult> CloneInProcessAsync(CloneRequest request)
    {
        var cloner = new RepositoryCloner(new InProcessCloneRunner(), NullLogger<RepositoryCloner>.Instance);
        return await cloner.EnsureCheckoutAsync(request, Layout, _ => { }, CancellationToken.None);
    }

    private async Task<CloneResult> CloneThroughWorkerAsync(CloneRequest request)
    {
        var cloner = new RepositoryCloner(
            new WorkerProcessCloneRunner(AgentBinary.CloneWorker, NullLogger<WorkerProcessCloneRunner>.Instance),
            NullLogger<RepositoryCloner>.Instance);
        return await cloner.EnsureCheckoutAsync(request, Layout, _ => { }, CancellationToken.None);
    }

    private AgentError AssertUnreachable(CloneResult result)
    {
        Assert.Equal(CloneOutcome.Failed, result.Outcome);
        Assert.True(result.Error!.Code == AgentErrorCode.HostUnreachable, $"Expected HostUnreachable, got {result.Error.Code}: {result.Error.Message}");
        Assert.False(Directory.Exists(Layout.CheckoutDirectory));
        return result.Error;
    }
}
