using Workspaces.WorkspaceController.Kubernetes.Resources;

namespace Workspaces.WorkspaceController.Tests.Kubernetes;

public sealed class SealedCredentialsTests
{
    private static readonly WorkspaceCredentials Credentials = new("agent-secret", "octocat", "ghp_token");

    [Fact]
    public void Open_SealedForThisWorkspace_GivesTheCredentialsBack()
    {
        var keys = new SealedCredentials(SealedCredentials.NewKey());

        var sealedValue = keys.Seal("workspaces", "app-1", Credentials);

        Assert.Equal(Credentials, keys.Open("workspaces", "app-1", sealedValue));
        Assert.DoesNotContain("ghp_token", sealedValue, StringComparison.Ordinal);
        Assert.NotEqual(sealedValue, keys.Seal("workspaces", "app-1", Credentials));
    }

    [Theory]
    [InlineData("workspaces", "app-2")]
    [InlineData("other", "app-1")]
    public void Open_SealedForAnotherWorkspace_IsNull(string ns, string name)
    {
        var keys = new SealedCredentials(SealedCredentials.NewKey());

        Assert.Null(keys.Open(ns, name, keys.Seal("workspaces", "app-1", Credentials)));
    }

    [Fact]
    public void Open_OtherKeyOrTamperedOrGarbage_IsNull()
    {
        var keys = new SealedCredentials(SealedCredentials.NewKey());
        var sealedValue = keys.Seal("workspaces", "app-1", Credentials);
        var bytes = Convert.FromBase64String(sealedValue);
        bytes[^1] ^= 1;

        Assert.Null(new SealedCredentials(SealedCredentials.NewKey()).Open("workspaces", "app-1", sealedValue));
        Assert.Null(keys.Open("workspaces", "app-1", Convert.ToBase64String(bytes)));
        Assert.Null(keys.Open("workspaces", "app-1", "not base64 at all"));
        Assert.Null(keys.Open("workspaces", "app-1", null));
    }

    [Fact]
    public void ToString_Credentials_LeavesTheSecretsOut()
    {
        Assert.DoesNotContain("ghp_token", Credentials.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("agent-secret", Credentials.ToString(), StringComparison.Ordinal);
    }
}
