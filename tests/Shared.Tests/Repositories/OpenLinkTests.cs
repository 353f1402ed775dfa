using Workspaces.Shared.Repositories;

namespace Workspaces.Shared.Tests.Repositories;

public sealed class OpenLinkTests
{
    [Fact]
    public void TryParse_PlainUrl_NoVariables()
    {
        Assert.True(OpenLink.TryParse("https://github.com/org/repo", out var variables, out var repository, out _));
        Assert.Empty(variables);
        Assert.Equal("https://github.com/org/repo", repository);
    }

    [Theory]
    [InlineData("VAR=value,OTHER=x/https://github.com/org/repo", "https://github.com/org/repo")]
    [InlineData("VAR=value,OTHER=x//srv/git/repo.git", "/srv/git/repo.git")]
    [InlineData("VAR=value,OTHER=x/file:///srv/git/repo.git", "file:///srv/git/repo.git")]
    public void TryParse_VariablesThenRepository_BothParsed(string link, string expectedRepository)
    {
        Assert.True(OpenLink.TryParse(link, out var variables, out var repository, out var error), error);
        Assert.Equal(expectedRepository, repository);
        Assert.Equal("value", variables["VAR"]);
        Assert.Equal("x", variables["OTHER"]);
    }

    [Fact]
    public void TryParse_ValueWithSlashes_SplitsAtTheRepositoryUrl()
    {
        Assert.True(OpenLink.TryParse("API=http/v2/https://host/org/repo", out var variables, out var repository, out _));
        Assert.Equal("http/v2", variables["API"]);
        Assert.Equal("https://host/org/repo", repository);
    }

    [Theory]
    [InlineData("LD_PRELOAD=/tmp/x.so/https://github.com/org/repo", "LD_PRELOAD")]
    [InlineData("ld_library_path=/tmp/https://github.com/org/repo", "ld_library_path")]
    [InlineData("BASH_ENV=/tmp/evil/https://github.com/org/repo", "BASH_ENV")]
    [InlineData("PROMPT_COMMAND=curl evil/https://github.com/org/repo", "PROMPT_COMMAND")]
    [InlineData("ENV=/tmp/x/https://github.com/org/repo", "ENV")]
    [InlineData("A=1,BASH_FUNC_ls%%=x/https://github.com/org/repo", "BASH_FUNC")]
    public void TryParse_DangerousName_RefusedNamingIt(string link, string named)
    {
        Assert.False(OpenLink.TryParse(link, out _, out _, out var error));
        Assert.Contains(named.Split('%')[0], error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GREETING=a\nb/https://github.com/org/repo")]
    [InlineData("GREETING=a\u0007b/https://github.com/org/repo")]
    [InlineData("GREETING=a\u001b[31m/https://github.com/org/repo")]
    public void TryParse_ControlCharacterInValue_RefusedWithAClearMessage(string link)
    {
        Assert.False(OpenLink.TryParse(link, out _, out _, out var error));
        Assert.Contains("control character", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_NameStartingWithADigit_Refused()
    {
        Assert.False(OpenLink.TryParse("A=1,1ABC=x/https://github.com/org/repo", out _, out _, out var error));
        Assert.Contains("not a valid variable name", error, StringComparison.Ordinal);
    }
}
