using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Workspaces.Web.Previews;

namespace Workspaces.Web.Hosting;

/// <summary>
/// Refuses, on the IDE's origin, every request that changes state (any method but GET, HEAD, OPTIONS and TRACE) and
/// every WebSocket or other upgrade (the Blazor hub's included) that a browser sent from another origin with the
/// session cookie (cross-site request forgery): sign-out, forms, the API, hubs. A preview is another origin, though the
/// same site, so <c>SameSite=Lax</c> alone does not stop it. The browser says where a request comes from with
/// <c>Origin</c>, or, without it, <c>Sec-Fetch-Site</c>. Calls with a bearer token carry no ambient credential and pass;
/// so do single sign-on callbacks, which the provider's page posts by design (their state and correlation cookie
/// protect them).
/// </summary>
public sealed class SameOriginGuard
{
    private readonly RequestDelegate _next;
    private readonly string? _ideOrigin;
    private readonly PathString[] _remoteCallbacks;

    public SameOriginGuard(RequestDelegate next, IOptions<PreviewOptions> previews, IOptions<AuthenticationOptions> authentication, IOptionsMonitor<OpenIdConnectOptions> oidc)
    {
        _next = next;
        _ideOrigin = previews.Value.IdeUrl?.GetLeftPart(UriPartial.Authority);
        _remoteCallbacks = [.. authentication.Value.Schemes
            .Where(s => typeof(OpenIdConnectHandler).IsAssignableFrom(s.HandlerType))
            .Select(s => oidc.Get(s.Name))
            .SelectMany(o => new[] { o.CallbackPath, o.SignedOutCallbackPath, o.RemoteSignOutPath })
            .Where(p => p.HasValue)];
    }

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (IsSafe(request.Method) && !IsUpgrade(context))
        {
            return _next(context);
        }

        if (request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            || Array.Exists(_remoteCallbacks, p => request.Path.Equals(p, StringComparison.OrdinalIgnoreCase))
            || IsSameOrigin(request))
        {
            return _next(context);
        }

        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsJsonAsync(
            new { title = "Cross-origin request refused", detail = "This server does not accept cookie-authenticated requests that change something from other origins (a preview, another site). Use the IDE's own pages, or an API token." },
            context.RequestAborted);
    }

    /// <summary>Whether the browser says the request comes from the IDE's own origin, or says nothing (not a browser, or a top-level navigation).</summary>
    private bool IsSameOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            return string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase)
                || (_ideOrigin is not null && string.Equals(origin, _ideOrigin, StringComparison.OrdinalIgnoreCase));
        }

        return request.Headers["Sec-Fetch-Site"].ToString() is "" or "same-origin" or "none";
    }

    private static bool IsSafe(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    private static bool IsUpgrade(HttpContext context) =>
        context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true
        || context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true;
}
