using Microsoft.Extensions.DependencyInjection;
using Workspaces.TestSupport.Git;
using Workspaces.Web.Prebuilds;
using Workspaces.Web.Tests.Credentials;

namespace Workspaces.Web.Tests.Prebuilds;

/// <summary>The schedule's branch reader against a real smart-HTTP Git server on an allowed internal network.</summary>
public sealed class BranchHeadsTests(GitServerAppFixture fixture) : IClassFixture<GitServerAppFixture>
{
    [Fact]
    public async Task BranchHeads_AllowedHttpServer_ListsEachBranchsHeadAndTheDefaultBranch()
    {
        var name = $"team/heads-{Guid.NewGuid():N}";
        var repository = await fixture.Server.CreateRepositoryAsync(name, new GitRepositoryBuilder().WithFile("README.md", "heads\n"));
        await GitCli.RunAsync(repository.Path, "branch", "release/1.0", "main");
        var heads = fixture.App.Services.GetRequiredService<IBranchHeads>();

        var remote = await heads.ListAsync(fixture.Server.RepositoryUrl(name), CancellationToken.None);

        var main = (await GitCli.RunAsync(repository.Path, "rev-parse", "main")).Trim();
        Assert.Equal("main", remote.DefaultBranch);
        Assert.Equal(main, remote.Heads["main"]);
        Assert.Equal(main, remote.Heads["release/1.0"]);
    }

    [Fact]
    public async Task BranchHeads_PrivateRepositoryWithoutCredentials_SaysItCouldNotReadTheBranches()
    {
        var heads = fixture.App.Services.GetRequiredService<IBranchHeads>();

        var refused = await Assert.ThrowsAsync<PrebuildFailedException>(() => heads.ListAsync(fixture.Server.RepositoryUrl("team/private"), CancellationToken.None));

        Assert.StartsWith("Could not read the branches of ", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(GitServerAppFixture.Credential.Password, refused.Message, StringComparison.Ordinal);
    }
}
