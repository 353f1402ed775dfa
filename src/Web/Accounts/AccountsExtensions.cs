using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Workspaces.Data;
using Workspaces.Data.Users;
using Workspaces.Web.Agents;
using Workspaces.Web.Hosting;

namespace Workspaces.Web.Accounts;

public static class AccountsExtensions
{
    /// <summary>Chooses the bearer-token handler for requests that carry one, the session cookie otherwise.</summary>
    public const string SmartScheme = "CookieOrToken";

    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = SmartScheme;
                o.DefaultChallengeScheme = SmartScheme;
            })
            .AddPolicyScheme(SmartScheme, "Cookie or personal access token", o =>
                o.ForwardDefaultSelector = context =>
                    context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                        ? PersonalAccessTokenHandler.SchemeName
                        : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, PersonalAccessTokenHandler>(PersonalAccessTokenHandler.SchemeName, null)
            .AddIdentityCookies();

        services.AddIdentityCore<AppUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 8;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                o.Lockout.MaxFailedAccessAttempts = 10;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
            })
            .AddEntityFrameworkStores<WorkspacesDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<IOptions<SessionCookieOptions>>((cookie, session) => ConfigureSessionCookie(cookie, session.Value));
        services.AddOptions<SessionCookieOptions>().Bind(builder.Configuration.GetSection(SessionCookieOptions.SectionName));
        services.AddValidatedOptions<SignUpOptions, SignUpOptionsValidator>(builder.Configuration, SignUpOptions.SectionName);

        services.AddAuthorization();
        services.AddCascadingAuthenticationState();
        services.AddSingleton<SessionValidator>();
        services.AddSingleton<CircuitSessions>();
        services.AddSingleton<SessionRevocation>();
        services.AddScoped<AuthenticationStateProvider, SessionAuthenticationStateProvider>();
        services.AddScoped<AccountService>();
        services.AddSingleton<PersonalAccessTokenService>();
        services.AddSingleton<CliLogins>();
        return builder;
    }

    private static void ConfigureSessionCookie(CookieAuthenticationOptions cookie, SessionCookieOptions options)
    {
        // __Host- keeps any other origin (a preview on a subdomain, say) from setting or overwriting the session cookie.
        cookie.Cookie.Name = options.InsecureCookies ? "workspaces-session" : "__Host-workspaces-session";
        cookie.Cookie.SecurePolicy = options.InsecureCookies ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        cookie.Cookie.HttpOnly = true;
        cookie.Cookie.SameSite = SameSiteMode.Lax;
        cookie.Cookie.Path = "/";
        cookie.ExpireTimeSpan = TimeSpan.FromDays(14);
        cookie.SlidingExpiration = true;
        cookie.LoginPath = "/account/login";
        cookie.LogoutPath = "/account/logout";
        cookie.AccessDeniedPath = "/account/login";
        // Every request asks whether the session still stands (not signed out, password unchanged, not blocked).
        cookie.Events.OnValidatePrincipal = SessionValidator.ValidatePrincipalAsync;
        cookie.Events.OnRedirectToLogin = context => ApiAwareRedirect(context, StatusCodes.Status401Unauthorized);
        cookie.Events.OnRedirectToAccessDenied = context => ApiAwareRedirect(context, StatusCodes.Status403Forbidden);
    }

    // An API client gets a status code, not an HTML login page.
    private static Task ApiAwareRedirect(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api") || AgentForwardingExtensions.IsAgentPath(context.Request.Path))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }

        return Task.CompletedTask;
    }
}
