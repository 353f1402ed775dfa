using Workspaces.Shared.Configuration;

namespace Workspaces.Shared.Tests.Configuration;

public sealed class ShellQuotingTests
{
    [Theory]
    [InlineData("npm", "npm")]
    [InlineData("--flag=value", "--flag=value")]
    [InlineData("a b", "'a b'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("$HOME", "'$HOME'")]
    [InlineData("`id`", "'`id`'")]
    [InlineData("a;b", "'a;b'")]
    [InlineData("~", "'~'")]
    [InlineData("", "''")]
    [InlineData("line\nbreak", "'line\nbreak'")]
    public void Quote_Argument_IsOneLiteralShellWord(string argument, string expected)
    {
        Assert.Equal(expected, ShellQuoting.Quote(argument));
    }

    [Fact]
    public void Join_ExecFormArguments_KeepsEachArgumentWhole()
    {
        Assert.Equal("python -c 'print(\"hi\")' ''", ShellQuoting.Join(["python", "-c", "print(\"hi\")", ""]));
    }
}
