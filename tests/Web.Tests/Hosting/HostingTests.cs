using System.Net;
using System.Text.Json;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Hosting;

public sealed class HostingTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task HealthEndpoints_AppRunning_AnswerHealthyWithoutSignIn(string path)
    {
        using var client = fixture.App.CreateHttpClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OpenApiDocument_Requested_DescribesTheWorkspacesApi()
    {
        using var client = fixture.App.CreateHttpClient();

        using var response = await client.GetAsync(new Uri("/api/openapi.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/workspaces", out _), "the document lists /api/workspaces");
        Assert.True(paths.TryGetProperty("/api/workspaces/{id}/start", out _), "the document lists /api/workspaces/{id}/start");
        Assert.True(paths.TryGetProperty("/api/git-credentials/{host}", out _), "the document lists /api/git-credentials/{host}");
    }

    [Fact]
    public void DataDirectory_GivenInSettings_HoldsTheDatabase()
    {
        // Settings from the test host reach Program.cs before it builds the app: the embedded database is where they say.
        Assert.True(File.Exists(Path.Combine(fixture.App.DataDirectory, "workspaces.db")), $"no workspaces.db in {fixture.App.DataDirectory}");
    }
}
