namespace Workspaces.Web.Hosting;

/// <summary>
/// Refuses state-changing API calls that a browser sent from another origin with the session cookie (cross-site request
/// forgery). Calls with a bearer token carry no ambient credential and pass.
/// </summary>
public sealed class SameOriginGuard(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Path.StartsWithSegments("/api")
            && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method)
            && !request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && request.Headers.Origin.ToString() is { Length: > 0 } origin
            && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return context.Response.WriteAsJsonAsync(new { title = "Cross-origin request refused", detail = "This API does not accept cookie-authenticated requests from other origins." });
        }

        return next(context);
    }
}
