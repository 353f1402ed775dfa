using Workspaces.TestSupport.Git;

namespace Workspaces.WorkspaceAgent.Tests.Infrastructure;

/// <summary>One smart-HTTP Git server and a folder of file:// repositories, shared by a test class.</summary>
public sealed class GitServerFixture : IAsyncLifetime
{
    public static readonly GitServerCredential Alice = new("alice", "token-of-alice-3b8d");

    private readonly GitRepositoryFixture _files = new();

    public SmartHttpGitServer Server { get; private set; } = null!;

    /// <summary><c>main</c> with a README and 40 small files, and a <c>feature</c> branch with one more file.</summary>
    public string PublicUrl => Server.RepositoryUrl("org/public");

    /// <summary>Like the public one, readable only by <see cref="Alice"/>.</summary>
    public string PrivateUrl => Server.RepositoryUrl("org/private");

    /// <summary>About 1 MB of incompressible files.</summary>
    public string LargeUrl => Server.RepositoryUrl("org/large");

    public GitTestRepository FileRepository { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await SmartHttpGitServer.StartAsync();
        await Server.CreateRepositoryAsync("org/public", Sample());
        await Server.CreateRepositoryAsync("org/private", Sample(), Alice);
        await Server.CreateRepositoryAsync("org/large", new GitRepositoryBuilder().WithRandomFiles(count: 16, bytesEach: 64 * 1024));
        FileRepository = await _files.CreateAsync("local", Sample());
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _files.Dispose();
    }

    private static GitRepositoryBuilder Sample() => new GitRepositoryBuilder()
        .WithFile("README.md", "# Sample\n")
        .WithRandomFiles(count: 40, bytesEach: 2048, directory: "src")
        .Commit("Initial commit")
        .CreateBranch("feature")
        .WithFile("feature.txt", "feature work\n")
        .Commit("Feature work")
        .SwitchToBranch("main");
}
