using Workspaces.Web.Prebuilds;

namespace Workspaces.Web.Tests.Prebuilds;

public sealed class PrebuildOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() =>
        Assert.True(new PrebuildOptionsValidator().Validate(null, new PrebuildOptions()).Succeeded);

    [Theory]
    [InlineData(0L)]
    [InlineData(65535L)]
    [InlineData(256L * 1024 * 1024 + 1)]
    public void Validate_MaxLogBytesOutOfRange_NamesTheKey(long bytes)
    {
        var result = new PrebuildOptionsValidator().Validate(null, new PrebuildOptions { MaxLogBytes = bytes });

        Assert.True(result.Failed);
        Assert.Contains("Workspaces:Prebuilds:MaxLogBytes", result.FailureMessage, StringComparison.Ordinal);
    }
}
