using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.Web.Accounts;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.SingleSignOn;

/// <summary>Single sign-on instead of passwords: only the administrator keeps a password (a way in when the provider is down).</summary>
public sealed class LocalAccountsOffTests(LocalAccountsOffTests.Fixture fixture) : IClassFixture<LocalAccountsOffTests.Fixture>
{
    [Fact]
    public async Task PasswordSignIn_LocalAccountsOff_RefusedForUsersButNotForTheAdministrator()
    {
        var email = $"user-{Guid.NewGuid():N}@example.com";
        await using (var scope = fixture.App.Services.CreateAsyncScope())
        {
            var created = await scope.ServiceProvider.GetRequiredService<AccountService>().CreateAsync(email, TestApp.Password, firstOnly: false, CancellationToken.None);
            Assert.Equal(AccountOutcome.Created, created.Outcome);
        }

        using var client = fixture.App.CreateHttpClient();
        using var refused = await client.PostAsJsonAsync("/api/auth/tokens", new { email, password = TestApp.Password, name = "cli" });
        var html = await client.GetStringAsync(new Uri("/account/login", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("Test SSO", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotNull(fixture.Admin.Token);
        Assert.DoesNotContain("type=\"password\"", html, StringComparison.Ordinal);
        Assert.Contains("Sign in with Test SSO", html, StringComparison.Ordinal);
    }

    public sealed class Fixture : AppFixture
    {
        private TestIdentityProvider? _provider;

        protected override async Task<IReadOnlyDictionary<string, string?>> CreateSettingsAsync()
        {
            _provider = await TestIdentityProvider.StartAsync();
            return new Dictionary<string, string?>
            {
                ["Workspaces:Oidc:Authority"] = _provider.Issuer.AbsoluteUri.TrimEnd('/'),
                ["Workspaces:Oidc:ClientId"] = TestIdentityProvider.ClientId,
                ["Workspaces:Oidc:ClientSecret"] = TestIdentityProvider.ClientSecret,
                ["Workspaces:Oidc:DisplayName"] = "Test SSO",
                ["Workspaces:Oidc:RequireHttpsMetadata"] = "false",
                ["Workspaces:Oidc:DisableLocalAccounts"] = "true",
            };
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            if (_provider is not null)
            {
                await _provider.DisposeAsync();
            }
        }
    }
}
