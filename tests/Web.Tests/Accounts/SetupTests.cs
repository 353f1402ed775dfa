using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Accounts;

/// <summary>The very first request against a new server, so it gets a server of its own.</summary>
public sealed class SetupTests
{
    [Fact]
    public async Task Setup_NewServer_CreatesTheAdministratorOnceThenAnswersConflict()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.CreateHttpClient();

        using var first = await client.PostAsJsonAsync("/api/setup", new { email = "owner@example.com", password = TestApp.Password });
        using var second = await client.PostAsJsonAsync("/api/setup", new { email = "intruder@example.com", password = TestApp.Password });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        using (var created = JsonDocument.Parse(await first.Content.ReadAsStringAsync()))
        {
            Assert.Equal("owner@example.com", created.RootElement.GetProperty("email").GetString());
            Assert.True(created.RootElement.GetProperty("isAdministrator").GetBoolean());
        }

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("already exists", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // The second call created nobody: its password opens nothing.
        using var intruder = await client.PostAsJsonAsync("/api/auth/tokens", new { email = "intruder@example.com", password = TestApp.Password, name = "x" });
        Assert.Equal(HttpStatusCode.Unauthorized, intruder.StatusCode);
        using var owner = await client.PostAsJsonAsync("/api/auth/tokens", new { email = "owner@example.com", password = TestApp.Password, name = "cli" });
        Assert.Equal(HttpStatusCode.Created, owner.StatusCode);
    }
}
