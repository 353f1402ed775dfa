using Workspaces.Web.Editor;

namespace Workspaces.Web.Tests.Editor;

public sealed class EditorOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeed() =>
        Assert.True(new EditorOptionsValidator().Validate(null, new EditorOptions()).Succeeded);

    [Theory]
    [InlineData(100, 1_000_000)]
    [InlineData(2_000_000, 1_000_000)]
    [InlineData(1_000_000, 2L * 1024 * 1024 * 1024)]
    public void Validate_EditorLimitsOutOfRange_FailNamingTheKey(long soft, long hard)
    {
        var options = new EditorOptions { SoftLimitBytes = soft, HardLimitBytes = hard };

        var result = new EditorOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Workspaces:Editor:SoftLimitBytes", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_LanguageServerWithoutCommand_FailsNamingTheKey()
    {
        var options = new LanguagesOptions();
        options.Servers["cobol"] = new LanguageServerOptions();

        var result = new LanguagesOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Workspaces:Languages:Servers:cobol", result.FailureMessage, StringComparison.Ordinal);
    }
}
