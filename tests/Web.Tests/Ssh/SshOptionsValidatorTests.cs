using Workspaces.Web.Ssh;

namespace Workspaces.Web.Tests.Ssh;

public sealed class SshOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeed()
    {
        Assert.True(new SshOptionsValidator().Validate(null, new SshOptions()).Succeeded);
    }

    [Theory]
    [InlineData("00:00:30")]
    [InlineData("2.00:00:00")]
    public void Validate_CertificateLifetimeOutOfRange_NamesTheKey(string lifetime)
    {
        var result = new SshOptionsValidator().Validate(null, new SshOptions { CertificateLifetime = TimeSpan.Parse(lifetime, System.Globalization.CultureInfo.InvariantCulture) });

        Assert.False(result.Succeeded);
        Assert.Contains("Workspaces:Ssh:CertificateLifetime", result.FailureMessage, StringComparison.Ordinal);
    }
}
