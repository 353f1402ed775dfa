using Workspaces.Shared.Repositories;

namespace Workspaces.Shared.Tests.Repositories;

public sealed class WorkspaceIdsTests
{
    [Theory]
    [InlineData("my-app", "my-app")]
    [InlineData("My_App.JS", "my-app-js")]
    [InlineData("Web--App__", "web-app")]
    [InlineData("7zip", "ws-7zip")]
    [InlineData("a-very-long-repository-name-indeed", "a-very-long-reposito")]
    [InlineData("abcdefghijklmnopqrs-tuvwxyz", "abcdefghijklmnopqrs")]
    [InlineData("123456789012345678901234", "ws-12345678901234567")]
    [InlineData("----", "ws")]
    [InlineData("日本語", "ws")]
    [InlineData("", "ws")]
    [InlineData(null, "ws")]
    public void Slug_RepositoryName_IsLowercaseLettersDigitsAndSingleDashes(string? repositoryName, string expected)
    {
        Assert.Equal(expected, WorkspaceIds.Slug(repositoryName));
    }

    [Theory]
    [InlineData("my-app")]
    [InlineData("7zip")]
    [InlineData("日本語")]
    [InlineData("a-very-long-repository-name-indeed-and-then-some")]
    [InlineData(null)]
    public void Create_AnyRepositoryName_IsAValidIdWithEightRandomCharacters(string? repositoryName)
    {
        var id = WorkspaceIds.Create(repositoryName);

        Assert.True(WorkspaceIds.IsValid(id), id);
        Assert.StartsWith(WorkspaceIds.Slug(repositoryName) + "-", id, StringComparison.Ordinal);
        Assert.Matches("-[a-z0-9]{8}\\z", id);
        Assert.True(id.Length <= 29, id);
    }

    [Fact]
    public void Create_ManyIds_AreAllDifferent()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => WorkspaceIds.Create("app")).ToHashSet();

        Assert.Equal(10_000, ids.Count);
    }

    [Theory]
    [InlineData("my-app-k3x9q2mz")]
    [InlineData("ws-7zip-00000000")]
    [InlineData("a")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghij")]
    public void IsValid_WellFormedIds_AreAccepted(string id)
    {
        Assert.True(WorkspaceIds.IsValid(id));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("My-App-k3x9q2mz")]
    [InlineData("7zip-k3x9q2mz")]
    [InlineData("-app")]
    [InlineData("app-")]
    [InlineData("my_app")]
    [InlineData("my.app")]
    [InlineData("my app")]
    [InlineData("app\n")]
    [InlineData("app\r\n")]
    [InlineData("../etc")]
    [InlineData("ws-%2e%2e")]
    [InlineData("аpp")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghijx")]
    public void IsValid_GarbageIds_AreRefused(string? id)
    {
        Assert.False(WorkspaceIds.IsValid(id));
    }
}
