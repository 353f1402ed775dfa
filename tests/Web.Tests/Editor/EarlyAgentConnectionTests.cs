using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Editor;

/// <summary>
/// The workspace page's shell starts the editor (dist/editor.js, startEditorEarly: the files hub's connection, and on a
/// return visit the editor itself) only for a signed-in browser on a workspace page whose id is well formed; whatever
/// else is in the address never reaches the page's script.
/// </summary>
public sealed class EarlyAgentConnectionTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private const string Marker = "data-files-hub=";

    [Fact]
    public async Task SignedIn_WorkspacePage_ShellStartsTheEditorOfThatWorkspace()
    {
        var session = await SignInAsync();

        var html = await PageAsync(session, "/workspaces/my-app-k3x9q2mz");

        Assert.Contains($"{Marker}\"/workspaces/my-app-k3x9q2mz/agent/hubs/files\"", html, StringComparison.Ordinal);
        Assert.Contains("data-git-hub=\"/workspaces/my-app-k3x9q2mz/agent/hubs/source-control\"", html, StringComparison.Ordinal);
        Assert.Contains("data-workspace=\"my-app-k3x9q2mz\"", html, StringComparison.Ordinal);
        // Blazor's circuit starts from the page's own script, after the editor started early when there is one.
        Assert.Contains("autostart=\"false\"", html, StringComparison.Ordinal);
        Assert.Contains("Blazor.start()", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignedIn_Dashboard_StartsBlazorAtOnce()
    {
        var session = await SignInAsync();

        var html = await PageAsync(session, "/");

        Assert.DoesNotContain("workspacesStartCircuit", html, StringComparison.Ordinal);
        Assert.Contains("Blazor.start()", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/workspaces/My-App-K3X9Q2MZ")]
    [InlineData("/workspaces/%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E")]
    [InlineData("/workspaces/..%2F..%2Fapi%2Ftokens")]
    [InlineData("/workspaces/my-app-k3x9q2mz/settings")]
    [InlineData("/")]
    public async Task SignedIn_OtherAddresses_ShellStartsNothing(string path)
    {
        var session = await SignInAsync();

        var html = await PageAsync(session, path);

        Assert.DoesNotContain(Marker, html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert(1)", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anonymous_WorkspacePage_ShellStartsNothing()
    {
        var html = await PageAsync(BrowserSession.Anonymous(), "/workspaces/my-app-k3x9q2mz");

        Assert.DoesNotContain(Marker, html, StringComparison.Ordinal);
    }

    private async Task<BrowserSession> SignInAsync()
    {
        var email = $"early-{Guid.NewGuid():N}@example.com";
        (await fixture.App.CreateUserAsync(email)).Dispose();
        return await BrowserSession.SignInAsync(fixture.App, email, TestApp.Password);
    }

    private async Task<string> PageAsync(BrowserSession session, string path)
    {
        using var client = fixture.App.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await session.SendAsync(client, request);
        return await response.Content.ReadAsStringAsync();
    }
}
