using Workspaces.Web.Repositories;

namespace Workspaces.Web.Tests.Repositories;

public sealed class CloneSourceOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeed() =>
        Assert.True(new CloneSourceOptionsValidator().Validate(null, new CloneSourceOptions()).Succeeded);

    [Fact]
    public void Validate_MalformedNetwork_FailsNamingTheKey()
    {
        var options = new CloneSourceOptions();
        options.Repositories.AllowedNetworks.Add("10.0.0.0/99");

        var result = new CloneSourceOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Workspaces:Repositories:AllowedHosts", result.FailureMessage, StringComparison.Ordinal);
    }
}
