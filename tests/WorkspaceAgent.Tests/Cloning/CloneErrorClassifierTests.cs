using Workspaces.Shared.Agent;
using Workspaces.WorkspaceAgent.Cloning;

namespace Workspaces.WorkspaceAgent.Tests.Cloning;

public sealed class CloneErrorClassifierTests
{
    private static readonly RepositoryUrl Url = Parse("https://git.example.com/org/repo.git");

    [Fact]
    public void Classify_NoSpaceLeftOnDevice_DiskLimitReached()
    {
        var error = Classify(new CloneFailure("could not write '/ws/.workspace/clone-tmp/.git/objects/pack/x': No space left on device"));

        Assert.Equal(AgentErrorCode.DiskLimitReached, error.Code);
        Assert.Contains("No space left on device", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_ForbiddenWithStoredToken_AuthenticationFailedNamingHost()
    {
        var error = Classify(new CloneFailure("unexpected http status code: 403"), credential: new GitCredential("u", "p"));

        Assert.Equal(AgentErrorCode.AuthenticationFailed, error.Code);
        Assert.Equal("The token stored for git.example.com was rejected by https://git.example.com/org/repo.git.", error.Message);
    }

    [Fact]
    public void Classify_DnsFailure_HostUnreachable()
    {
        var error = Classify(new CloneFailure("failed to resolve address for git.example.com: Name or service not known"));

        Assert.Equal(AgentErrorCode.HostUnreachable, error.Code);
        Assert.Contains("git.example.com", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_ReferenceNotFoundWithoutKnownDefault_BranchNotFoundWithoutGuess()
    {
        var error = Classify(new CloneFailure("reference 'refs/remotes/origin/x' not found", ReferenceNotFound: true), branch: "refs/heads/x");

        Assert.Equal(AgentErrorCode.BranchNotFound, error.Code);
        Assert.Equal("Branch 'x' does not exist in https://git.example.com/org/repo.git.", error.Message);
    }

    [Fact]
    public void Classify_UnrecognisedMessage_UnknownWithTheLibraryMessage()
    {
        var error = Classify(new CloneFailure("object file is corrupted"));

        Assert.Equal(AgentErrorCode.Unknown, error.Code);
        Assert.Contains("object file is corrupted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_UrlWithUserInfo_MessageNeverShowsIt()
    {
        var url = Parse("https://bob:hunter2@git.example.com/org/repo.git");

        var error = CloneErrorClassifier.Classify(new CloneFailure("unexpected http status code: 404"), url, new CloneRequest(url.Value, null, null, 0));

        Assert.Equal(AgentErrorCode.RepositoryNotFound, error.Code);
        Assert.DoesNotContain("hunter2", error.Message + error.Advice, StringComparison.Ordinal);
        Assert.DoesNotContain("bob", error.Message + error.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void FormatBytes_Sizes_ReadableUnits()
    {
        Assert.Equal("512 bytes", CloneErrorClassifier.FormatBytes(512));
        Assert.Equal("200 KiB", CloneErrorClassifier.FormatBytes(200 * 1024));
        Assert.Equal("1.5 GiB", CloneErrorClassifier.FormatBytes(3L * 512 * 1024 * 1024));
    }

    private static AgentError Classify(CloneFailure failure, string? branch = null, GitCredential? credential = null) =>
        CloneErrorClassifier.Classify(failure, Url, new CloneRequest(Url.Value, branch, credential, 0));

    private static RepositoryUrl Parse(string url)
    {
        Assert.True(RepositoryUrl.TryParse(url, out var parsed));
        return parsed;
    }
}
