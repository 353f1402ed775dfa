using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Tests.Workspaces;

public sealed class WorkspacesOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeed() =>
        Assert.True(new WorkspacesOptionsValidator().Validate(null, new WorkspacesOptions()).Succeeded);

    [Fact]
    public void Validate_IdleTimeoutUnderAMinute_FailsNamingTheKey()
    {
        var result = new WorkspacesOptionsValidator().Validate(null, new WorkspacesOptions { IdleTimeout = TimeSpan.FromSeconds(5) });

        Assert.True(result.Failed);
        Assert.Contains("Workspaces:IdleTimeout", result.FailureMessage, StringComparison.Ordinal);
    }
}
