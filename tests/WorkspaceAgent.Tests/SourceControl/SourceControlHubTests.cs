using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using Workspaces.Shared.Agent;
using Workspaces.Shared.SourceControl;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.SourceControl;

/// <summary>Git through the agent's source control hub against a real smart-HTTP server with Basic auth.</summary>
public sealed class SourceControlHubTests(GitServerFixture git) : IClassFixture<GitServerFixture>, IAsyncLifetime
{
    private readonly TempDirectory _temp = TempDirectory.Create("ws-git");
    private readonly List<IAsyncDisposable> _disposables = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var disposable in Enumerable.Reverse(_disposables))
        {
            await disposable.DisposeAsync();
        }

        _temp.Dispose();
    }

    [Fact]
    public async Task StageCommitPush_WithTheStoredToken_ReachesTheRemote()
    {
        var (agent, hub, bare) = await StartAsync("push-ok", GitServerFixture.Alice);
        await File.WriteAllTextAsync(Path.Combine(agent.Layout.CheckoutDirectory, "README.md"), "# Changed\n");
        await File.WriteAllTextAsync(Path.Combine(agent.Layout.CheckoutDirectory, "new.txt"), "new\n");

        var before = await hub.InvokeAsync<GitStatus>("Status");
        var staged = await hub.InvokeAsync<GitResult>("Stage", new[] { "README.md", "new.txt" });
        var afterStage = await hub.InvokeAsync<GitStatus>("Status");
        var commit = await hub.InvokeAsync<GitResult>("Commit", "Change the readme");
        var unpushed = await hub.InvokeAsync<GitStatus>("Status");
        var push = await hub.InvokeAsync<GitResult>("Push");

        Assert.Equal([("README.md", "", "M"), ("new.txt", "", "?")], before.Changes.Select(c => (c.Path, c.Index, c.WorkTree)).Order());
        Assert.True(staged.Ok, staged.Message);
        Assert.Equal([("README.md", "M", ""), ("new.txt", "A", "")], afterStage.Changes.Select(c => (c.Path, c.Index, c.WorkTree)).Order());
        Assert.True(commit.Ok, commit.Message);
        Assert.Equal((0, 1), (unpushed.Changes.Count, unpushed.Unpushed));
        Assert.True(push.Ok, push.Message);
        Assert.Equal("Change the readme", (await GitCli.RunAsync(bare, "log", "-1", "--format=%s", "main")).Trim());
        Assert.Equal("Workspace User <user@example.test>", (await GitCli.RunAsync(bare, "log", "-1", "--format=%an <%ae>", "main")).Trim());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Push_WithAWrongOrNoToken_FailsWithAuthenticationFailed(bool sendWrongToken)
    {
        var (agent, hub, _) = await StartAsync(sendWrongToken ? "push-wrong" : "push-none", sendWrongToken ? new GitServerCredential("alice", "expired-token") : null);
        await CommitLocallyAsync(agent, hub, "a.txt");

        var push = await hub.InvokeAsync<GitResult>("Push");

        Assert.False(push.Ok);
        Assert.Equal(GitErrorKind.AuthenticationFailed, push.Error);
        Assert.Contains("Settings", push.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("expired-token", push.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_RemoteMovedOn_IsRejectedAsNonFastForwardAndPullThenPushWorks()
    {
        var (agent, hub, bare) = await StartAsync("non-ff", GitServerFixture.Alice);
        var other = _temp.Combine("other");
        var url = git.Server.RepositoryUrl("org/non-ff").Replace("http://", $"http://alice:{GitServerFixture.Alice.Password}@", StringComparison.Ordinal);
        await GitCli.RunAsync(_temp.Path, "clone", "-q", url, other);
        await File.WriteAllTextAsync(Path.Combine(other, "theirs.txt"), "theirs\n");
        await GitCli.RunAsync(other, "add", "-A");
        await GitCli.RunAsync(other, "commit", "-q", "-m", "Theirs");
        await GitCli.RunAsync(other, "push", "-q");
        await CommitLocallyAsync(agent, hub, "mine.txt");

        var rejected = await hub.InvokeAsync<GitResult>("Push");
        var pull = await hub.InvokeAsync<GitResult>("Pull");
        var push = await hub.InvokeAsync<GitResult>("Push");

        Assert.Equal(GitErrorKind.NonFastForward, rejected.Error);
        Assert.Contains("Pull first", rejected.Message, StringComparison.Ordinal);
        Assert.True(pull.Ok, pull.Message);
        Assert.True(File.Exists(Path.Combine(agent.Layout.CheckoutDirectory, "theirs.txt")));
        Assert.True(push.Ok, push.Message);
        Assert.Contains("mine.txt", await GitCli.RunAsync(bare, "ls-tree", "--name-only", "main"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DiffAndBranches_ShowBothSidesAndSwitch()
    {
        var (agent, hub, _) = await StartAsync("diff", GitServerFixture.Alice);
        await File.WriteAllTextAsync(Path.Combine(agent.Layout.CheckoutDirectory, "README.md"), "# Sample, edited\n");

        var diff = await hub.InvokeAsync<GitDiffContents>("Diff", "README.md", false);
        var created = await hub.InvokeAsync<GitResult>("CreateBranch", "topic/x");
        var invalid = await hub.InvokeAsync<GitResult>("CreateBranch", "bad..name");
        var switched = await hub.InvokeAsync<GitResult>("SwitchBranch", "origin/feature");
        var branches = await hub.InvokeAsync<GitBranches>("Branches");

        Assert.Equal(("# Sample\n", "# Sample, edited\n", false), (diff.Original, diff.Modified, diff.Binary));
        Assert.True(created.Ok, created.Message);
        Assert.Equal(GitErrorKind.InvalidName, invalid.Error);
        Assert.True(switched.Ok, switched.Message);
        Assert.Equal("feature", branches.Current);
        Assert.Contains(branches.Branches, b => b is { Name: "topic/x", IsRemote: false });
    }

    [Fact]
    public async Task AgentStatus_AfterACommit_ReportsUncommittedAndUnpushedWork()
    {
        var (agent, hub, _) = await StartAsync("summary", GitServerFixture.Alice);
        await CommitLocallyAsync(agent, hub, "committed.txt");
        await File.WriteAllTextAsync(Path.Combine(agent.Layout.CheckoutDirectory, "dirty.txt"), "x");
        await hub.InvokeAsync<GitResult>("Stage", new[] { "dirty.txt" }); // Any operation refreshes the summary.

        var git = await Poll.UntilNotNullAsync(
            async () => (await agent.Client.GetStatusAsync()).Git is { UncommittedChanges: 1, UnpushedCommits: 1 } summary ? summary : null,
            TimeSpan.FromSeconds(10),
            "a status with 1 uncommitted change and 1 unpushed commit");

        Assert.Equal("main", git.Branch);
    }

    private static async Task CommitLocallyAsync(AgentTestHost agent, HubConnection hub, string file)
    {
        await File.WriteAllTextAsync(Path.Combine(agent.Layout.CheckoutDirectory, file), file);
        Assert.True((await hub.InvokeAsync<GitResult>("Stage", new[] { file })).Ok);
        var commit = await hub.InvokeAsync<GitResult>("Commit", $"Add {file}");
        Assert.True(commit.Ok, commit.Message);
    }

    private async Task<(AgentTestHost Agent, HubConnection Hub, string BareRepository)> StartAsync(string name, GitServerCredential? hubCredential)
    {
        var repository = await git.Server.CreateRepositoryAsync("org/" + name, new GitRepositoryBuilder().WithFile("README.md", "# Sample\n").Commit("Initial")
            .CreateBranch("feature").WithFile("feature.txt", "f\n").Commit("Feature").SwitchToBranch("main"), GitServerFixture.Alice);
        var url = git.Server.RepositoryUrl("org/" + name);
        var bootstrap = TestBootstraps.Create(
            Directory.CreateDirectory(_temp.Combine(name)).FullName,
            url,
            credential: new GitCredential(GitServerFixture.Alice.Username, GitServerFixture.Alice.Password),
            environment: new Dictionary<string, string> { ["HOME"] = TestBootstraps.Home });
        var agent = await AgentTestHost.StartAsync(bootstrap);
        _disposables.Add(agent);
        var status = await agent.Client.WaitForSettledAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(WorkspacePhase.Ready, status.Phase);

        var headers = new Dictionary<string, string>
        {
            [SourceControlHubContract.UserNameHeader] = Uri.EscapeDataString("Workspace User"),
            [SourceControlHubContract.UserEmailHeader] = "user@example.test",
        };
        if (hubCredential is not null)
        {
            var host = new Uri(url).Authority;
            headers[SourceControlHubContract.CredentialHeader] = $"{host} {Convert.ToBase64String(Encoding.UTF8.GetBytes($"{hubCredential.Username}:{hubCredential.Password}"))}";
        }

        var hub = await AgentHubConnections.ConnectAsync(agent.BaseAddress, SourceControlHubContract.Path, headers);
        _disposables.Add(hub);
        return (agent, hub, repository.Path);
    }
}
