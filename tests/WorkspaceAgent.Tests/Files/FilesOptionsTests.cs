using Microsoft.Extensions.DependencyInjection;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.WorkspaceAgent.Files;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.Files;

public sealed class FilesOptionsTests
{
    [Fact]
    public async Task Agent_BootstrapWithEditorLimits_OpensLargerFilesReadOnly()
    {
        using var repositories = new GitRepositoryFixture();
        using var workspace = TempDirectory.Create("ws-limits");
        var repository = await repositories.CreateAsync("limits", new GitRepositoryBuilder().WithFile("big.txt", new string('x', 3000)));
        var bootstrap = TestBootstraps.Create(workspace.Path, repository.FileUrl) with { Editor = new EditorLimits(2048, 8192) };
        await using var agent = await AgentTestHost.StartAsync(bootstrap);
        await agent.Client.WaitForSettledAsync(TimeSpan.FromSeconds(20));

        var content = agent.Services.GetRequiredService<FileService>().ReadFile("big.txt");

        Assert.True(content.ReadOnly);
        Assert.Equal(8192, agent.Services.GetRequiredService<FilesOptions>().HardLimitBytes);
    }
}
