using Microsoft.Extensions.DependencyInjection;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;

namespace Workspaces.WorkspaceAgent.Tests.Infrastructure;

/// <summary>
/// One in-process agent with a cloned workspace, shared by a test class: every test opens terminals of its own. HOME is
/// an empty directory so login shells do not depend on the machine's dotfiles.
/// </summary>
public class TerminalAgentFixture : IAsyncLifetime
{
    private readonly GitRepositoryFixture _repositories = new();
    private readonly TempDirectory _workspace = TempDirectory.Create("ws-terminals");
    private readonly TempDirectory _home = TempDirectory.Create("ws-terminals-home");
    private AgentTestHost? _agent;

    internal AgentTestHost Agent => _agent ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        var repository = await _repositories.CreateAsync("terminals", new GitRepositoryBuilder().WithFile("README.md", "terminals\n"));
        var bootstrap = TestBootstraps.Create(_workspace.Path, repository.FileUrl, environment: new Dictionary<string, string> { ["HOME"] = _home.Path });
        _agent = await AgentTestHost.StartAsync(bootstrap, configureServices: ConfigureServices);
        var status = await _agent.Client.WaitForSettledAsync(TimeSpan.FromSeconds(20));
        if (status.Phase != WorkspacePhase.Ready)
        {
            throw new InvalidOperationException($"The agent did not get ready: {status.Error}");
        }
    }

    /// <summary>Replaces agent services (terminal options) for the tests of a class.</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public async Task DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }

        _home.Dispose();
        _workspace.Dispose();
        _repositories.Dispose();
    }
}
