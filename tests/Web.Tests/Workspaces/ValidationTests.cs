using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Workspaces;

/// <summary>What a user sees when the repository URL or ref they gave cannot be used.</summary>
public sealed class ValidationTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Theory]
    [InlineData("", null, "repositoryUrl", "Paste the URL")]
    [InlineData("   ", null, "repositoryUrl", "Paste the URL")]
    [InlineData("git@github.com:org/repo.git", null, "repositoryUrl", "SSH")]
    [InlineData("ssh://git@github.com/org/repo.git", null, "repositoryUrl", "SSH")]
    [InlineData("https://alice:ghp_secret123@github.com/org/repo.git", null, "repositoryUrl", "Don't put user names or tokens in URLs")]
    [InlineData("https://github.com/org/repo", "feature..x", "ref", "not a valid Git ref name")]
    [InlineData("https://github.com/org/repo", "-delete", "ref", "not a valid Git ref name")]
    public async Task CreateWorkspace_InvalidInput_AnswersBadRequestNamingTheField(string url, string? gitRef, string field, string messagePart)
    {
        using var user = await fixture.App.CreateUserAsync();

        using var response = await user.Http.PostAsJsonAsync("/api/workspaces", new { repositoryUrl = url, @ref = gitRef });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        using var problem = JsonDocument.Parse(body);
        var errors = problem.RootElement.GetProperty("errors");
        var message = Assert.Single(errors.GetProperty(field).EnumerateArray()).GetString();
        Assert.Contains(messagePart, message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("ghp_secret123", body, StringComparison.Ordinal);
        Assert.Empty(await user.ListWorkspacesAsync());
    }

    [Fact]
    public async Task CreateWorkspace_MalformedJson_AnswersBadRequestProblem()
    {
        using var user = await fixture.App.CreateUserAsync();

        using var response = await user.Http.PostAsync(
            new Uri("/api/workspaces", UriKind.Relative),
            new StringContent("{", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await user.ListWorkspacesAsync());
    }
}
