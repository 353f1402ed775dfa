using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Workspaces.Web.Accounts.Pages;

namespace Workspaces.Web.SingleSignOn;

public static class SingleSignOnExtensions
{
    public const string Scheme = "oidc";

    /// <summary>Adds the OpenID Connect handler when <c>Workspaces:Oidc:Authority</c> is configured.</summary>
    public static WebApplicationBuilder AddSingleSignOn(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(OidcOptions.SectionName);
        builder.Services.AddOptions<OidcOptions>().Bind(section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<OidcOptions>, OidcOptionsValidator>();
        builder.Services.AddScoped<ExternalSignIn>();
        var options = section.Get<OidcOptions>() ?? new OidcOptions();
        if (!options.Enabled)
        {
            return builder;
        }

        builder.Services.AddAuthentication().AddOpenIdConnect(Scheme, options.DisplayName, oidc =>
        {
            oidc.Authority = options.Authority;
            oidc.ClientId = options.ClientId;
            oidc.ClientSecret = options.ClientSecret;
            oidc.RequireHttpsMetadata = options.RequireHttpsMetadata;
            oidc.ResponseType = "code";
            oidc.UsePkce = true;
            oidc.SignInScheme = IdentityConstants.ExternalScheme;
            oidc.CallbackPath = "/signin-oidc";
            oidc.Scope.Clear();
            oidc.Scope.Add("openid");
            oidc.Scope.Add("email");
            oidc.Scope.Add("profile");
            oidc.MapInboundClaims = false;
            oidc.SaveTokens = false;
            oidc.GetClaimsFromUserInfoEndpoint = false;
        });
        return builder;
    }

    /// <summary><c>/account/sso</c> starts a sign-in at the provider; <c>/account/sso-callback</c> links or creates the account.</summary>
    public static IEndpointRouteBuilder MapSingleSignOn(this IEndpointRouteBuilder app)
    {
        app.MapGet("/account/sso", (string? returnUrl, IOptions<OidcOptions> options) =>
        {
            if (!options.Value.Enabled)
            {
                return Results.NotFound();
            }

            var properties = new AuthenticationProperties { RedirectUri = "/account/sso-callback?returnUrl=" + Uri.EscapeDataString(ReturnUrls.Safe(returnUrl)) };
            return Results.Challenge(properties, [Scheme]);
        }).AllowAnonymous().ExcludeFromDescription();

        app.MapGet("/account/sso-callback", async (string? returnUrl, HttpContext context, ExternalSignIn signIn) =>
        {
            var safe = ReturnUrls.Safe(returnUrl);
            var outcome = await signIn.CompleteAsync(context, safe);
            return outcome.Value is { } landing
                ? Results.LocalRedirect(landing)
                : Results.LocalRedirect($"/account/login?ReturnUrl={Uri.EscapeDataString(safe)}&error={Uri.EscapeDataString(outcome.Error ?? "Single sign-on did not complete. Try again.")}");
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}

internal sealed class OidcOptionsValidator : IValidateOptions<OidcOptions>
{
    public ValidateOptionsResult Validate(string? name, OidcOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
        {
            failures.Add($"{OidcOptions.SectionName}:Authority must be the provider's issuer URL (got '{options.Authority}').");
        }
        else if (authority.Scheme == "http" && options.RequireHttpsMetadata)
        {
            failures.Add($"{OidcOptions.SectionName}:Authority is plain HTTP; use HTTPS, or set {OidcOptions.SectionName}:RequireHttpsMetadata to false for a test provider.");
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            failures.Add($"{OidcOptions.SectionName}:ClientId is required when Authority is set.");
        }

        if (string.IsNullOrWhiteSpace(options.ClientSecret))
        {
            failures.Add($"{OidcOptions.SectionName}:ClientSecret is required when Authority is set.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
