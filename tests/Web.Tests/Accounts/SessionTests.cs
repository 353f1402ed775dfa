using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.Data.Users;
using Workspaces.Web.Accounts;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Accounts;

/// <summary>Sessions end on the server: an old cookie (a copy another browser kept) stops working; tokens are separate.</summary>
public sealed class SessionTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Endings => new() { "sign-out", "password change", "blocked" };

    [Theory]
    [MemberData(nameof(Endings))]
    public async Task OldCookie_AfterTheSessionEnds_IsRefusedOnTheApiWhileTokensKeepWorking(string ending)
    {
        var (email, userId) = await NewUserAsync();
        using var token = await fixture.App.SignInAsync(email);
        var browser = await BrowserSession.SignInAsync(fixture.App, email, TestApp.Password);
        var copy = browser.Copy();
        using var client = fixture.App.CreateHttpClient();
        Assert.Equal(HttpStatusCode.OK, await MeAsync(client, copy));

        switch (ending)
        {
            case "sign-out":
                using (var signedOut = await SameOriginPostAsync(client, browser, "/account/logout", null))
                {
                    Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
                }

                break;
            case "password change":
                using (var changed = await SameOriginPostAsync(client, browser, "/api/me/password", JsonContent.Create(new { currentPassword = TestApp.Password, newPassword = "a much newer password" })))
                {
                    Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
                }

                // The browser that changed it stays signed in (its cookie was renewed); the old password is gone.
                Assert.Equal(HttpStatusCode.OK, await MeAsync(client, browser));
                await BrowserSession.SignInAsync(fixture.App, email, "a much newer password");
                using (var old = await client.PostAsJsonAsync("/api/auth/tokens", new { email, password = TestApp.Password, name = "old" }))
                {
                    Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
                }

                break;
            default:
                using (var blocked = await fixture.Admin.Http.PostAsync(new Uri($"/api/admin/users/{userId}/block", UriKind.Relative), null))
                {
                    Assert.Equal(HttpStatusCode.NoContent, blocked.StatusCode);
                }

                break;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(client, copy));
        using var page = await copy.SendAsync(client, new HttpRequestMessage(HttpMethod.Get, "/settings"));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains("/account/login", page.Headers.Location!.OriginalString, StringComparison.Ordinal);

        // A personal access token is its own credential: it keeps working, unless the account is blocked.
        using var withToken = await token.Http.GetAsync(new Uri("/api/me", UriKind.Relative));
        Assert.Equal(ending == "blocked" ? HttpStatusCode.Unauthorized : HttpStatusCode.OK, withToken.StatusCode);
    }

    [Fact]
    public async Task PasswordChange_WrongCurrentPasswordOrWeakNewOne_SaysWhichAndChangesNothing()
    {
        var (email, _) = await NewUserAsync();
        var browser = await BrowserSession.SignInAsync(fixture.App, email, TestApp.Password);
        using var client = fixture.App.CreateHttpClient();
        using (var wrong = await SameOriginPostAsync(client, browser, "/api/me/password", JsonContent.Create(new { currentPassword = "not it at all", newPassword = "a much newer password" })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
            Assert.Contains("current password is wrong", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var weak = await SameOriginPostAsync(client, browser, "/api/me/password", JsonContent.Create(new { currentPassword = TestApp.Password, newPassword = "short" })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
            Assert.Contains("newPassword", await weak.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, await MeAsync(client, browser));
    }

    [Theory]
    [MemberData(nameof(Endings))]
    public async Task LiveCircuit_AfterTheSessionEnds_TurnsAnonymousAtOnce(string ending)
    {
        var (email, userId) = await NewUserAsync();
        await using var scope = fixture.App.Services.CreateAsyncScope();
        var provider = Assert.IsType<SessionAuthenticationStateProvider>(scope.ServiceProvider.GetRequiredService<AuthenticationStateProvider>());
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = (await users.FindByIdAsync(userId))!;
        // What a circuit starts with: the principal the session cookie carries.
        var principal = await scope.ServiceProvider.GetRequiredService<SignInManager<AppUser>>().CreateUserPrincipalAsync(user);
        principal = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(principal.Claims, IdentityConstants.ApplicationScheme));
        provider.SetAuthenticationState(Task.FromResult(new AuthenticationState(principal)));
        var ended = new TaskCompletionSource<AuthenticationState>(TaskCreationOptions.RunContinuationsAsynchronously);
        provider.AuthenticationStateChanged += async task => ended.TrySetResult(await task);

        // Another browser of the same account ends the session.
        var browser = await BrowserSession.SignInAsync(fixture.App, email, TestApp.Password);
        using var client = fixture.App.CreateHttpClient();
        switch (ending)
        {
            case "sign-out":
                using (var signedOut = await SameOriginPostAsync(client, browser, "/account/logout", null))
                {
                    Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
                }

                break;
            case "password change":
                using (var changed = await SameOriginPostAsync(client, browser, "/api/me/password", JsonContent.Create(new { currentPassword = TestApp.Password, newPassword = "a much newer password" })))
                {
                    Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
                }

                break;
            default:
                using (var blocked = await fixture.Admin.Http.PostAsync(new Uri($"/api/admin/users/{userId}/block", UriKind.Relative), null))
                {
                    Assert.Equal(HttpStatusCode.NoContent, blocked.StatusCode);
                }

                break;
        }

        var state = await ended.Task.WaitAsync(Timeout);
        Assert.False(state.User.Identity?.IsAuthenticated);
    }

    private async Task<(string Email, string UserId)> NewUserAsync()
    {
        var email = $"session-{Guid.NewGuid():N}@example.com";
        using var api = await fixture.App.CreateUserAsync(email);
        using var me = await api.Http.GetAsync(new Uri("/api/me", UriKind.Relative));
        var id = JsonDocument.Parse(await me.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        return (email, id);
    }

    private static async Task<HttpStatusCode> MeAsync(HttpClient client, BrowserSession session)
    {
        using var response = await session.SendAsync(client, new HttpRequestMessage(HttpMethod.Get, "/api/me"));
        return response.StatusCode;
    }

    private async Task<HttpResponseMessage> SameOriginPostAsync(HttpClient client, BrowserSession session, string path, HttpContent? content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Add("Origin", fixture.App.BaseAddress.GetLeftPart(UriPartial.Authority));
        return await session.SendAsync(client, request);
    }
}
