using Workspaces.Shared.Agent;
using Workspaces.Shared.Repositories;

namespace Workspaces.WorkspaceAgent.Tests.Infrastructure;

internal static class TestBootstraps
{
    public const string Secret = "agent-secret-for-tests-6f1c2e9a";

    /// <summary>
    /// An empty HOME for the login shells tasks and terminals run: the machine's dotfiles stay out of the tests (they
    /// are slow, and a tool they run, like pyenv's rehash lock, can stall every login shell once a test kills one).
    /// </summary>
    public static string Home { get; } = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "ws-test-home")).FullName;

    public static AgentBootstrap Create(
        string workspaceDirectory,
        string repositoryUrl,
        string? branch = null,
        GitCredential? credential = null,
        long diskLimitBytes = 0,
        IReadOnlyDictionary<string, string>? environment = null) => new(
            WorkspaceId: "ws-test",
            RepositoryUrl: repositoryUrl,
            Ref: branch,
            WorkspaceDirectory: workspaceDirectory,
            CheckoutDirectoryName: "repo",
            AgentSecret: Secret,
            GitCredential: credential,
            ListenUrl: "http://127.0.0.1:0",
            DiskLimitBytes: diskLimitBytes,
            Environment: environment ?? new Dictionary<string, string> { ["HOME"] = Home },
            // The tests' Git servers listen on loopback, which clones may reach only when an administrator allows it.
            RepositoryNetwork: LoopbackAllowed);

    /// <summary>The allow-list an administrator would write for a Git server on this machine.</summary>
    public static readonly RepositoryNetwork LoopbackAllowed = new([], ["127.0.0.0/8"]);

    public static WorkspaceLayout LayoutOf(AgentBootstrap bootstrap) => new(bootstrap.WorkspaceDirectory, bootstrap.CheckoutDirectoryName);
}
