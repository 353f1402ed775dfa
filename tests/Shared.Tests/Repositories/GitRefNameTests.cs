using Workspaces.Shared.Repositories;

namespace Workspaces.Shared.Tests.Repositories;

public sealed class GitRefNameTests
{
    [Theory]
    [InlineData("main")]
    [InlineData("feature/login-page")]
    [InlineData("release/1.2.3")]
    [InlineData("v1.0.0-rc.1")]
    [InlineData("refs/heads/main")]
    [InlineData("user@example/fix")]
    [InlineData("HEAD")]
    [InlineData("fix-🐛")]
    [InlineData("a+b_c,d=e")]
    public void IsValid_NamesGitAccepts_AreValid(string name)
    {
        Assert.Null(GitRefName.Validate(name));
        Assert.True(GitRefName.IsValid(name));
    }

    [Theory]
    [InlineData(null, "it is empty")]
    [InlineData("", "it is empty")]
    [InlineData("@", "\"@\" alone is not a name")]
    [InlineData("-main", "it starts with \"-\"")]
    [InlineData("/main", "it starts or ends with \"/\"")]
    [InlineData("main/", "it starts or ends with \"/\"")]
    [InlineData("main.", "it ends with \".\"")]
    [InlineData("a..b", "it contains \"..\"")]
    [InlineData("a//b", "it contains \"//\"")]
    [InlineData("a@{1}", "it contains \"@{\"")]
    [InlineData("a b", "it contains a space or an invisible character")]
    [InlineData("a\tb", "it contains a space or an invisible character")]
    [InlineData("a\u007Fb", "it contains a space or an invisible character")]
    [InlineData("a\u202Eb", "it contains a space or an invisible character")]
    [InlineData("a~1", "it contains \"~\" (not allowed: ~ ^ : ? * [ \\)")]
    [InlineData("a^", "it contains \"^\" (not allowed: ~ ^ : ? * [ \\)")]
    [InlineData("a:b", "it contains \":\" (not allowed: ~ ^ : ? * [ \\)")]
    [InlineData("a?", "it contains \"?\" (not allowed: ~ ^ : ? * [ \\)")]
    [InlineData("a*", "it contains \"*\" (not allowed: ~ ^ : ? * [ \\)")]
    [InlineData("a[b", "it contains \"[\" (not allowed: ~ ^ : ? * [ \\)")]
    [InlineData("a\\b", "it contains \"\\\" (not allowed: ~ ^ : ? * [ \\)")]
    [InlineData(".hidden", "a part of it starts with \".\"")]
    [InlineData("feature/.x", "a part of it starts with \".\"")]
    [InlineData("main.lock", "a part of it ends with \".lock\"")]
    [InlineData("x.lock/y", "a part of it ends with \".lock\"")]
    public void Validate_InvalidNames_SayWhy(string? name, string expected)
    {
        Assert.Equal(expected, GitRefName.Validate(name));
        Assert.False(GitRefName.IsValid(name));
    }

    [Fact]
    public void Validate_OverLongNames_AreRefused()
    {
        Assert.Equal("it is longer than 1024 characters", GitRefName.Validate(new string('a', 1025)));
        Assert.Equal("a part of it between \"/\" is longer than 255 bytes", GitRefName.Validate(new string('a', 256)));
        Assert.True(GitRefName.IsValid(new string('a', 255) + "/" + new string('b', 255)));
    }
}
