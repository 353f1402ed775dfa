using Workspaces.Web.Accounts;

namespace Workspaces.Web.Tests.Accounts;

public sealed class SignUpOptionsValidatorTests
{
    [Fact]
    public void Validate_Domains_Succeed()
    {
        var options = new SignUpOptions();
        options.SignUpEmailDomains.Add("example.com");
        options.SignUpEmailDomains.Add("@example.org");

        Assert.True(new SignUpOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Validate_BlankDomain_FailsNamingTheKey()
    {
        var options = new SignUpOptions();
        options.SignUpEmailDomains.Add(" ");

        var result = new SignUpOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Workspaces:SignUpEmailDomains:0", result.FailureMessage, StringComparison.Ordinal);
    }
}
