using Workspaces.Web.Hosting;

namespace Workspaces.Web.Tests.Hosting;

public sealed class DataDirectoryOptionsValidatorTests
{
    [Fact]
    public void Validate_AbsolutePath_Succeeds() =>
        Assert.True(new DataDirectoryOptionsValidator().Validate(null, new DataDirectoryOptions { DataDirectory = "/srv/workspaces" }).Succeeded);

    [Fact]
    public void Validate_RelativePath_FailsNamingTheKey()
    {
        var result = new DataDirectoryOptionsValidator().Validate(null, new DataDirectoryOptions { DataDirectory = "data" });

        Assert.True(result.Failed);
        Assert.Contains("Workspaces:DataDirectory", result.FailureMessage, StringComparison.Ordinal);
    }
}
