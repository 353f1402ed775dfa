using System.Text;
using Workspaces.Web.Prebuilds.Webhooks;

namespace Workspaces.Web.Tests.Prebuilds.Webhooks;

public sealed class WebhookVerifierTests
{
    [Theory]
    [InlineData("github-push", GitHost.GitHub, "main", "59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5", 2, "main")]
    [InlineData("gitlab-push", GitHost.GitLab, "main", "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", 4, "main")]
    [InlineData("gitea-push", GitHost.Gitea, "develop", "bffeb74224043ba2feb48d137756c8a9331c449a", 1, "master")]
    [InlineData("bitbucket-push", GitHost.Bitbucket, "main", "03f4a7270240708834de475bcf21532d6134777e", 2, "main")]
    public void RecordedPush_FromEachHost_VerifiesAndReadsBranchCommitAndCount(string fixture, GitHost host, string branch, string commit, int commits, string defaultBranch)
    {
        var headers = WebhookFixtures.Headers(fixture);
        var body = WebhookFixtures.Body(fixture);

        Assert.Equal(host, WebhookVerifier.Detect(headers));
        Assert.True(WebhookVerifier.Verify(host, headers, body, WebhookFixtures.Secret));
        Assert.True(WebhookVerifier.IsPush(host, WebhookVerifier.EventName(host, headers)));
        Assert.Equal(new PushEvent(branch, commit, commits, defaultBranch), PushPayloads.Parse(host, body, out var ignored));
        Assert.Null(ignored);
    }

    [Theory]
    [InlineData("github-push")]
    [InlineData("gitlab-push")]
    [InlineData("gitea-push")]
    [InlineData("bitbucket-push")]
    public void RecordedPush_WithAnotherSecret_IsRejected(string fixture)
    {
        var headers = WebhookFixtures.Headers(fixture);
        var host = WebhookVerifier.Detect(headers)!.Value;

        Assert.False(WebhookVerifier.Verify(host, headers, WebhookFixtures.Body(fixture), "not-the-project-secret"));
    }

    [Theory]
    [InlineData("github-push")]
    [InlineData("gitea-push")]
    [InlineData("bitbucket-push")]
    public void SignedPush_BodyChangedAfterSigning_IsRejected(string fixture)
    {
        var headers = WebhookFixtures.Headers(fixture);
        var host = WebhookVerifier.Detect(headers)!.Value;
        var body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(WebhookFixtures.Body(fixture)).Replace("refs/heads/", "refs/heads/evil-", StringComparison.Ordinal).Replace("\"main\"", "\"evil\"", StringComparison.Ordinal));

        Assert.False(WebhookVerifier.Verify(host, headers, body, WebhookFixtures.Secret));
    }

    [Fact]
    public void DeliveryId_SameDeliveryTwice_IsTheSame_AnotherDeliveryDiffers()
    {
        var headers = WebhookFixtures.Headers("github-push");
        var body = WebhookFixtures.Body("github-push");
        var first = WebhookVerifier.DeliveryId(GitHost.GitHub, headers, body);

        Assert.Equal(first, WebhookVerifier.DeliveryId(GitHost.GitHub, WebhookFixtures.Headers("github-push"), body));
        headers["X-GitHub-Delivery"] = "a-redelivery-with-its-own-id";
        Assert.NotEqual(first, WebhookVerifier.DeliveryId(GitHost.GitHub, headers, body));
    }

    [Fact]
    public void Parse_TagPushAndDeletedBranch_AreNothingToBuild()
    {
        var tag = """{"ref":"refs/tags/v1.0","after":"59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5","commits":[]}"""u8.ToArray();
        var deleted = """{"ref":"refs/heads/gone","after":"0000000000000000000000000000000000000000","deleted":true,"commits":[]}"""u8.ToArray();

        Assert.Null(PushPayloads.Parse(GitHost.GitHub, tag, out var tagReason));
        Assert.Contains("not a branch", tagReason, StringComparison.Ordinal);
        Assert.Null(PushPayloads.Parse(GitHost.GitHub, deleted, out var deletedReason));
        Assert.Contains("deleted", deletedReason, StringComparison.Ordinal);
    }
}
