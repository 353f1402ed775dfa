using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Workspaces.Web.Previews;

namespace Workspaces.Web.Hosting;

/// <summary>
/// The names of every cookie the IDE and the preview proxy set, read from the options that name them (each cookie
/// authentication scheme, antiforgery, single sign-on's correlation and nonce cookies, the preview grants), so a
/// cookie added later is covered without a list to keep up to date. A cookie is the IDE's when its name, without a
/// <c>__Host-</c>/<c>__Secure-</c> prefix and in any case, starts with one of these: that covers the chunks
/// (<c>…C1</c>, <c>…C2</c>) a large cookie is split into and the per-request suffixes of correlation cookies.
/// </summary>
public sealed class IdeCookies
{
    private readonly Lazy<string[]> _names;

    public IdeCookies(
        IOptions<AuthenticationOptions> authentication,
        IOptionsMonitor<CookieAuthenticationOptions> cookies,
        IOptionsMonitor<OpenIdConnectOptions> oidc,
        IOptions<AntiforgeryOptions> antiforgery)
    {
        _names = new Lazy<string[]>(() =>
        {
            var names = new List<string?> { antiforgery.Value.Cookie.Name, PreviewGrants.OwnerCookie, PreviewGrants.ShareCookie };
            foreach (var scheme in authentication.Value.Schemes)
            {
                if (typeof(CookieAuthenticationHandler).IsAssignableFrom(scheme.HandlerType))
                {
                    names.Add(cookies.Get(scheme.Name).Cookie.Name);
                }
                else if (typeof(OpenIdConnectHandler).IsAssignableFrom(scheme.HandlerType))
                {
                    names.Add(oidc.Get(scheme.Name).CorrelationCookie.Name);
                    names.Add(oidc.Get(scheme.Name).NonceCookie.Name);
                }
            }

            return [.. names.OfType<string>().Select(Unprefixed).Where(n => n.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)];
        });
    }

    /// <summary>The IDE's cookie names, without their <c>__Host-</c>/<c>__Secure-</c> prefix.</summary>
    public IReadOnlyList<string> Names => _names.Value;

    /// <summary>Whether a cookie of this name (as a browser would send or store it) is one of the IDE's.</summary>
    public bool IsIde(string cookieName)
    {
        var name = Unprefixed(cookieName.Trim());
        foreach (var ours in _names.Value)
        {
            if (name.StartsWith(ours, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    // Browsers match the prefixes case-insensitively, so "__HOST-x" is the same cookie as "__Host-x" to them.
    private static string Unprefixed(string name)
    {
        while (true)
        {
            if (name.StartsWith("__Host-", StringComparison.OrdinalIgnoreCase))
            {
                name = name["__Host-".Length..];
            }
            else if (name.StartsWith("__Secure-", StringComparison.OrdinalIgnoreCase))
            {
                name = name["__Secure-".Length..];
            }
            else
            {
                return name;
            }
        }
    }
}
