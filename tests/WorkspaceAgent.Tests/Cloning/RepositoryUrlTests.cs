using Workspaces.WorkspaceAgent.Cloning;

namespace Workspaces.WorkspaceAgent.Tests.Cloning;

public sealed class RepositoryUrlTests
{
    [Theory]
    [InlineData("https://github.com/org/repo")]
    [InlineData("http://127.0.0.1:8080/org/repo.git")]
    [InlineData("file:///srv/git/repo.git")]
    public void TryParse_SupportedUrl_Accepts(string text) => Assert.True(RepositoryUrl.TryParse(text, out _));

    [Theory]
    [InlineData("")]
    [InlineData("not a url")]
    [InlineData("git@github.com:org/repo.git")]
    [InlineData("ftp://host/repo.git")]
    [InlineData("ssh://git@host/repo.git")]
    [InlineData("https://github.com")]
    [InlineData("/srv/git/repo.git")]
    public void TryParse_UnsupportedUrl_Rejects(string text) => Assert.False(RepositoryUrl.TryParse(text, out _));

    [Fact]
    public void TryParse_UrlWithCredentials_DisplayAndHostWithoutThem()
    {
        Assert.True(RepositoryUrl.TryParse("https://bob:s3cr3t@git.example.com:8443/org/repo.git", out var url));

        Assert.Equal("https://git.example.com:8443/org/repo.git", url.Display);
        Assert.Equal("git.example.com:8443", url.Host);
        Assert.Equal("https://git.example.com:8443/org/repo.git", url.ToString());
    }

    [Fact]
    public void Redact_TextQuotingUrls_RemovesEveryUserInfo()
    {
        var redacted = RepositoryUrl.Redact("failed for https://bob:pw@a.example/x and http://token@b.example/y");

        Assert.Equal("failed for https://a.example/x and http://b.example/y", redacted);
    }
}
