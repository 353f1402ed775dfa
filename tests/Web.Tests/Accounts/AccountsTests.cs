using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Workspaces.Web.Accounts;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Accounts;

public sealed class AccountsTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task CreateToken_WrongPassword_AnswersUnauthorizedWithoutAToken()
    {
        using var anonymous = App.CreateHttpClient();
        (await App.CreateUserAsync("wrong-password@example.com")).Dispose();

        using var wrong = await anonymous.PostAsJsonAsync("/api/auth/tokens", new { email = "wrong-password@example.com", password = "not the password", name = "cli" });
        using var unknown = await anonymous.PostAsJsonAsync("/api/auth/tokens", new { email = "nobody@example.com", password = TestApp.Password, name = "cli" });

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var body = await wrong.Content.ReadAsStringAsync();
        Assert.Contains("The email or password is wrong.", body, StringComparison.Ordinal);
        Assert.DoesNotContain(PersonalAccessTokenService.TokenPrefix, body, StringComparison.Ordinal);
        // An unknown account looks the same as a wrong password: no hint which emails exist.
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Contains("The email or password is wrong.", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_UsedAsBearerThenRevoked_WorksUntilRevokedThenAnswersUnauthorized()
    {
        using var user = await App.CreateUserAsync();

        using var listed = await user.Http.GetAsync(new Uri("/api/tokens", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        var tokens = await listed.Content.ReadFromJsonAsync<List<TokenView>>(ApiClient.Json);
        var token = Assert.Single(tokens!);
        Assert.StartsWith(token.Prefix, user.Token, StringComparison.Ordinal);
        Assert.DoesNotContain(user.Token!, await listed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await user.Http.GetAsync(new Uri("/api/workspaces", UriKind.Relative))).StatusCode);

        using var revoked = await user.Http.DeleteAsync(new Uri($"/api/tokens/{token.Id}", UriKind.Relative));
        using var afterwards = await user.Http.GetAsync(new Uri("/api/workspaces", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterwards.StatusCode);
    }

    [Fact]
    public async Task Api_WithoutOrWithBadCredentials_AnswersUnauthorizedNotALoginRedirect()
    {
        using var client = App.CreateHttpClient();

        using var anonymous = await client.GetAsync(new Uri("/api/workspaces", UriKind.Relative));
        using var badToken = new HttpRequestMessage(HttpMethod.Get, "/api/workspaces");
        badToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "wst_not-a-real-token");
        using var withBadToken = await client.SendAsync(badToken);
        using var page = await client.GetAsync(new Uri("/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Null(anonymous.Headers.Location);
        Assert.Equal(HttpStatusCode.Unauthorized, withBadToken.StatusCode);
        Assert.Equal("Bearer", withBadToken.Headers.WwwAuthenticate.ToString());
        // A browser asking for a page is sent to sign in instead.
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/account/login", page.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccountsApi_MissingFields_AnswersBadRequestNamingEachField()
    {
        using var user = await App.CreateUserAsync();
        using var anonymous = App.CreateHttpClient();

        using var setup = await anonymous.PostAsJsonAsync("/api/setup", new { email = " " });
        using var token = await anonymous.PostAsJsonAsync("/api/auth/tokens", new { email = "someone@example.com", password = TestApp.Password });
        using var expiry = await user.Http.PostAsJsonAsync("/api/tokens", new { name = "ci", expiresInDays = 0 });

        Assert.Equal(["email", "password"], await ErrorFieldsAsync(setup));
        Assert.Equal(["name"], await ErrorFieldsAsync(token));
        Assert.Equal(["expiresInDays"], await ErrorFieldsAsync(expiry));
    }

    [Fact]
    public async Task CookieSession_PostFromAnotherOrigin_IsRefusedAndChangesNothing()
    {
        (await App.CreateUserAsync("browser@example.com")).Dispose();

        var browser = await BrowserSession.SignInAsync(App, "browser@example.com", TestApp.Password);
        using var client = App.CreateHttpClient();
        var ownOrigin = App.BaseAddress.GetLeftPart(UriPartial.Authority);

        using var read = await browser.SendAsync(client, new HttpRequestMessage(HttpMethod.Get, "/api/tokens"));
        using var forged = await browser.SendAsync(client, TokenRequest("evil", "https://evil.example"));
        using var sameOrigin = await browser.SendAsync(client, TokenRequest("settings-page", ownOrigin));
        using var list = await browser.SendAsync(client, new HttpRequestMessage(HttpMethod.Get, "/api/tokens"));

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Contains("Cross-origin request refused", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, sameOrigin.StatusCode);
        var names = (await list.Content.ReadFromJsonAsync<List<TokenView>>(ApiClient.Json))!.Select(t => t.Name).ToList();
        Assert.Contains("settings-page", names);
        Assert.DoesNotContain("evil", names);
    }

    private static HttpRequestMessage TokenRequest(string name, string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/tokens") { Content = JsonContent.Create(new { name }) };
        request.Headers.Add("Origin", origin);
        return request;
    }

    private static async Task<string[]> ErrorFieldsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
    }
}
