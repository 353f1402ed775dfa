using Microsoft.Extensions.Options;
using Workspaces.Web.Previews;

namespace Workspaces.Web.Hosting;

/// <summary>
/// First in the pipeline: a request whose Host is malformed (empty, missing on HTTP/1.0, empty labels, broken punycode,
/// a bad port, …) gets a 400 before any code builds a URL from it; a well-formed Host that is neither one of the IDE's
/// (<see cref="IdeHostsOptions"/>) nor under the preview domain gets a 400 too, so a name pointed at this server by
/// someone else (DNS rebinding) reaches neither the IDE nor a preview. Health probes answer on any well-formed host
/// (a kubelet asks by the pod's address).
/// </summary>
public sealed class HostGuard
{
    private readonly RequestDelegate _next;
    private readonly string[] _ideHosts;
    private readonly string _previewSuffix;

    public HostGuard(RequestDelegate next, IOptions<IdeHostsOptions> hosts, IOptions<PreviewOptions> previews)
    {
        _next = next;
        _ideHosts = IdeHosts(hosts.Value, previews.Value);
        _previewSuffix = "." + previews.Value.DomainHost;
    }

    /// <summary>The IDE's host patterns: the configured ones (or the local defaults) and the host previews send the browser back to.</summary>
    public static string[] IdeHosts(IdeHostsOptions hosts, PreviewOptions previews)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(previews);
        IEnumerable<string> configured = hosts.AllowedHosts.Count > 0 ? hosts.AllowedHosts : IdeHostsOptions.LocalHosts;
        var ide = previews.IdeUrl?.IdnHost ?? previews.DomainHost;
        return [.. configured.Append(ide).Select(HostHeader.NormalizePattern).OfType<string>().Distinct(StringComparer.Ordinal)];
    }

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!HostHeader.TryParse(request.Headers.Host.ToString(), out var host))
        {
            return RefuseAsync(context, "The request's Host header is missing or malformed.");
        }

        if ((host.Name.Length > _previewSuffix.Length && host.Name.EndsWith(_previewSuffix, StringComparison.Ordinal))
            || Array.Exists(_ideHosts, host.Matches)
            || request.Path.StartsWithSegments("/health") || request.Path.StartsWithSegments("/alive"))
        {
            return _next(context);
        }

        return RefuseAsync(context, $"This server does not answer to the host '{host.Name}'. Its administrator can add it to Workspaces:AllowedHosts.");
    }

    private static Task RefuseAsync(HttpContext context, string message)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status400BadRequest;
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Content-Type-Options"] = "nosniff";
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(message + "\n", context.RequestAborted);
    }
}
