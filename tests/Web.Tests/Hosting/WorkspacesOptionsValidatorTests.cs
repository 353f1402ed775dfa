using Workspaces.Web.Hosting;

namespace Workspaces.Web.Tests.Hosting;

public sealed class WorkspacesOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeed() =>
        Assert.True(new WorkspacesOptionsValidator().Validate(null, new WorkspacesOptions { DataDirectory = "/srv/workspaces" }).Succeeded);

    [Theory]
    [InlineData(100, 1_000_000)]
    [InlineData(2_000_000, 1_000_000)]
    [InlineData(1_000_000, 2L * 1024 * 1024 * 1024)]
    public void Validate_EditorLimitsOutOfRange_FailNamingTheKey(long soft, long hard)
    {
        var options = new WorkspacesOptions { DataDirectory = "/srv/workspaces", Editor = new EditorOptions { SoftLimitBytes = soft, HardLimitBytes = hard } };

        var result = new WorkspacesOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Workspaces:Editor:SoftLimitBytes", result.FailureMessage, StringComparison.Ordinal);
    }
}
