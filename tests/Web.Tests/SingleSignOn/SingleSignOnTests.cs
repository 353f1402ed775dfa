using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Workspaces.Web.Tests.Authorization;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.SingleSignOn;

/// <summary>
/// Signing in through a real OpenID Connect provider running in the test: discovery, the authorization redirect, the
/// form_post callback, the token exchange with the client secret and PKCE, and an RS256-signed ID token checked
/// against the provider's JWKS.
/// </summary>
public sealed partial class SingleSignOnTests(SingleSignOnTests.Fixture fixture) : IClassFixture<SingleSignOnTests.Fixture>
{
    [Fact]
    public async Task NewUser_VerifiedEmailInAllowedDomain_AccountCreatedAndTheSameOneNextTime()
    {
        var email = $"new-{Guid.NewGuid():N}@example.com";
        var subject = Guid.NewGuid().ToString("N");

        var first = await SignInAsync(new ProviderUser(subject, email, true));
        var second = await SignInAsync(new ProviderUser(subject, email, true));

        Assert.True(first.Session is not null, first.Error);
        var me = await MeAsync(first.Session!);
        Assert.Equal(email, me.GetProperty("email").GetString());
        Assert.Equal(me.GetProperty("id").GetString(), (await MeAsync(second.Session!)).GetProperty("id").GetString());
    }

    [Fact]
    public async Task ExistingLocalAccount_SameVerifiedEmail_IsLinkedNotDuplicated()
    {
        var email = $"local-{Guid.NewGuid():N}@example.com";
        using var local = await fixture.App.CreateUserAsync(email);
        var localId = await AccessWorld.UserIdAsync(local);

        var signedIn = await SignInAsync(new ProviderUser(Guid.NewGuid().ToString("N"), email, true));

        Assert.True(signedIn.Session is not null, signedIn.Error);
        Assert.Equal(localId, (await MeAsync(signedIn.Session!)).GetProperty("id").GetString());
    }

    [Fact]
    public async Task ExistingAccount_UnverifiedEmail_NotLinkedAndNotSignedIn()
    {
        var email = $"victim-{Guid.NewGuid():N}@example.com";
        using var local = await fixture.App.CreateUserAsync(email);

        var attempt = await SignInAsync(new ProviderUser(Guid.NewGuid().ToString("N"), email, EmailVerified: false));

        Assert.Null(attempt.Session);
        Assert.Contains("did not confirm your email", attempt.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewUser_EmailOutsideTheAllowedDomains_IsRefusedWithTheReason()
    {
        var attempt = await SignInAsync(new ProviderUser(Guid.NewGuid().ToString("N"), $"outsider-{Guid.NewGuid():N}@elsewhere.org", true));

        Assert.Null(attempt.Session);
        Assert.Contains("example.com", attempt.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewUser_ThroughATeamInvitation_JoinsInTheSameStepAndLandsOnTheTeam()
    {
        using var lead = await fixture.App.CreateUserAsync();
        var teamId = (await AccessWorld.PostAsync(lead, "/api/teams", new { name = "SSO team" })).GetProperty("id").GetString()!;
        var invitation = (await AccessWorld.PostAsync(lead, $"/api/teams/{teamId}/invitations", new { })).GetProperty("path").GetString()!;

        var signedIn = await SignInAsync(new ProviderUser(Guid.NewGuid().ToString("N"), $"invited-{Guid.NewGuid():N}@example.com", true), invitation);

        Assert.True(signedIn.Session is not null, signedIn.Error);
        Assert.Equal($"/teams/{teamId}#projects", signedIn.Landing);
        using var client = fixture.App.CreateHttpClient();
        using var team = await signedIn.Session!.SendAsync(client, new HttpRequestMessage(HttpMethod.Get, $"/api/teams/{teamId}"));
        Assert.Equal(HttpStatusCode.OK, team.StatusCode);
    }

    [Fact]
    public async Task LoginPage_ProviderConfigured_OffersSingleSignOn()
    {
        using var client = fixture.App.CreateHttpClient();
        var html = await client.GetStringAsync(new Uri("/account/login", UriKind.Relative));

        Assert.Contains("Sign in with Test SSO", html, StringComparison.Ordinal);
    }

    /// <summary>The browser's round trip; the session when it ends signed in, else the error the login page shows.</summary>
    private async Task<(BrowserSession? Session, string? Error, string? Landing)> SignInAsync(ProviderUser user, string returnUrl = "/")
    {
        fixture.Provider.NextUser = user;
        var session = BrowserSession.Anonymous();
        using var app = fixture.App.CreateHttpClient();
        using var provider = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, UseProxy = false });

        using var challenge = await session.SendAsync(app, new HttpRequestMessage(HttpMethod.Get, "/account/sso?returnUrl=" + Uri.EscapeDataString(returnUrl)));
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        Assert.StartsWith(fixture.Provider.Issuer.AbsoluteUri + "authorize", challenge.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);

        var form = await provider.GetStringAsync(challenge.Headers.Location);
        var action = WebUtility.HtmlDecode(FormAction().Match(form).Groups[1].Value);
        var fields = HiddenField().Matches(form).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
        using var callback = await session.SendAsync(app, new HttpRequestMessage(HttpMethod.Post, new Uri(action).PathAndQuery) { Content = new FormUrlEncodedContent(fields) });
        Assert.True(callback.StatusCode == HttpStatusCode.Redirect, $"/signin-oidc answered {(int)callback.StatusCode}: {await callback.Content.ReadAsStringAsync()}");

        using var completed = await session.SendAsync(app, new HttpRequestMessage(HttpMethod.Get, callback.Headers.Location!.OriginalString));
        var location = completed.Headers.Location!.OriginalString;
        if (location.StartsWith("/account/login", StringComparison.Ordinal))
        {
            return (null, Uri.UnescapeDataString(location[(location.IndexOf("error=", StringComparison.Ordinal) + 6)..]).Replace('+', ' '), null);
        }

        if (returnUrl == "/")
        {
            Assert.Equal("/", location);
        }

        return (session, null, location);
    }

    private async Task<JsonElement> MeAsync(BrowserSession session)
    {
        using var client = fixture.App.CreateHttpClient();
        using var response = await session.SendAsync(client, new HttpRequestMessage(HttpMethod.Get, "/api/me"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/api/me with the session answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [GeneratedRegex("""<form method="post" action="([^"]+)">""")]
    private static partial Regex FormAction();

    [GeneratedRegex("""<input type="hidden" name="([^"]+)" value="([^"]*)"/>""")]
    private static partial Regex HiddenField();

    public sealed class Fixture : AppFixture
    {
        public TestIdentityProvider Provider { get; private set; } = null!;

        protected override async Task<IReadOnlyDictionary<string, string?>> CreateSettingsAsync()
        {
            Provider = await TestIdentityProvider.StartAsync();
            return new Dictionary<string, string?>
            {
                ["Workspaces:Oidc:Authority"] = Provider.Issuer.AbsoluteUri.TrimEnd('/'),
                ["Workspaces:Oidc:ClientId"] = TestIdentityProvider.ClientId,
                ["Workspaces:Oidc:ClientSecret"] = TestIdentityProvider.ClientSecret,
                ["Workspaces:Oidc:DisplayName"] = "Test SSO",
                ["Workspaces:Oidc:RequireHttpsMetadata"] = "false",
                ["Workspaces:SignUpEmailDomains:0"] = "example.com",
            };
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            await Provider.DisposeAsync();
        }
    }
}
