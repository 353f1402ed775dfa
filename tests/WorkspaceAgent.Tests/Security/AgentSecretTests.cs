using Workspaces.WorkspaceAgent.Security;

namespace Workspaces.WorkspaceAgent.Tests.Security;

public sealed class AgentSecretTests
{
    private readonly AgentSecret _secret = new("s3cret-value");

    [Theory]
    [InlineData("Bearer s3cret-value")]
    [InlineData("bearer s3cret-value")]
    [InlineData("Bearer  s3cret-value ")]
    public void IsPresentedIn_RightSecret_True(string header) => Assert.True(_secret.IsPresentedIn(header));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("s3cret-value")]
    [InlineData("Basic s3cret-value")]
    [InlineData("Bearer s3cret-valu")]
    [InlineData("Bearer s3cret-value2")]
    [InlineData("Bearer S3CRET-VALUE")]
    public void IsPresentedIn_AnythingElse_False(string? header) => Assert.False(_secret.IsPresentedIn(header));
}
