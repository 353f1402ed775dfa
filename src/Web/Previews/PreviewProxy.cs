using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Workspaces.Web.Previews;

/// <summary>
/// The front door of preview origins, first in the pipeline: a request whose Host is <c>{port}-{workspace}.{domain}</c>
/// is answered here and never reaches the IDE (no session cookie, no Blazor, no antiforgery). It is authorized (public
/// port, the owner's grant, or a live share link) and forwarded to the address the runtime reports for the workspace,
/// never one the client names; the agent's own port and ports no process of the workspace listens on are not reachable.
/// </summary>
public sealed partial class PreviewProxy : IDisposable
{
    private readonly RequestDelegate _next;
    private readonly IHttpForwarder _forwarder;
    private readonly PreviewState _state;
    private readonly PreviewGrants _grants;
    private readonly PreviewService _service;
    private readonly PreviewConnections _connections;
    private readonly PreviewRelay _relay;
    private readonly Authorization.AccessService _access;
    private readonly PreviewMetrics _metrics;
    private readonly Workspaces.WorkspaceStatusFeed _status;
    private readonly PreviewOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PreviewProxy> _logger;
    private readonly HttpMessageInvoker _client;
    private readonly ForwarderRequestConfig _requestConfig;
    private readonly string _domainHost;
    private readonly PreviewTransformer _direct;
    private readonly PreviewTransformer _relayed;

    public PreviewProxy(
        RequestDelegate next,
        IHttpForwarder forwarder,
        PreviewState state,
        PreviewGrants grants,
        PreviewService service,
        PreviewConnections connections,
        PreviewRelay relay,
        Authorization.AccessService access,
        Hosting.IdeCookies ideCookies,
        PreviewMetrics metrics,
        Workspaces.WorkspaceStatusFeed status,
        IOptions<PreviewOptions> options,
        TimeProvider time,
        ILogger<PreviewProxy> logger)
    {
        _next = next;
        _forwarder = forwarder;
        _state = state;
        _grants = grants;
        _service = service;
        _connections = connections;
        _relay = relay;
        _access = access;
        _metrics = metrics;
        _status = status;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _domainHost = _options.DomainHost;
        _client = new HttpMessageInvoker(UpstreamHandler(_options));
        _direct = new PreviewTransformer(relayed: false, ideCookies);
        _relayed = new PreviewTransformer(relayed: true, ideCookies);
        _requestConfig = new ForwarderRequestConfig
        {
            ActivityTimeout = _options.UpstreamActivityTimeout,
            // Dev servers speak HTTP/1.1; a browser's HTTP/2 (and its WebSockets over HTTP/2) is translated.
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
    }

    public void Dispose() => _client.Dispose();

    /// <summary>The client side towards dev servers: no proxy, redirects, decompression, cookies or trace headers of ours.</summary>
    internal static SocketsHttpHandler UpstreamHandler(PreviewOptions options) => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ActivityHeadersPropagator = null,
        ConnectTimeout = options.UpstreamConnectTimeout,
    };

    public Task InvokeAsync(HttpContext context)
    {
        if (!PreviewHost.IsUnderDomain(context.Request.Host.Host, _domainHost, out var preview))
        {
            return _next(context);
        }

        return preview is { } found ? HandleAsync(context, found) : PreviewPages.NotFoundAsync(context);
    }

    private async Task HandleAsync(HttpContext context, PreviewHost preview)
    {
        var target = await _state.GetTargetAsync(preview.WorkspaceId, context.RequestAborted);
        if (context.Request.Path.StartsWithSegments(PreviewGrants.ReservedPathPrefix, out var rest))
        {
            await HandleReservedAsync(context, preview, target, rest);
            return;
        }

        if (target is null)
        {
            // Answered as a private port without a grant is: whether a workspace exists is not told to whoever may not see it.
            await RefuseAsync(context, preview, link: null);
            return;
        }

        var port = preview.Service is null ? _state.GetPort(preview.WorkspaceId, preview.Port) : null;
        var (owner, link) = context.Request.Headers.Cookie.Count == 0 ? default : _grants.Read(context.Request.Cookies, preview);
        PreviewAccessKind kind;
        string? linkId = null;
        string? userId = owner?.UserId;
        if (owner is not null && owner.UserId == target.OwnerId)
        {
            kind = PreviewAccessKind.Owner;
        }
        else if (owner is not null && await MayOpenAsTeamAsync(owner.UserId, target, preview, context.RequestAborted))
        {
            kind = PreviewAccessKind.Team;
        }
        else if (link is not null && await _state.GetShareLinkAsync(link.LinkId, context.RequestAborted) is { } state
            && state.IsFor(preview)
            && state.RevokedAt is null && state.ExpiresAt > _time.GetUtcNow())
        {
            kind = PreviewAccessKind.ShareLink;
            linkId = state.Id;
            _ = _service.TouchShareLinkAsync(state.Id);
        }
        else if ((preview.Service is null ? PreviewState.EffectiveVisibility(target, preview.Port, port) : _state.EffectiveVisibility(target, preview)) == PortVisibility.Public)
        {
            kind = PreviewAccessKind.Public;
        }
        else
        {
            await RefuseAsync(context, preview, link);
            return;
        }

        if (preview.Service is not null)
        {
            await ForwardToServiceAsync(context, preview, kind, linkId, userId);
            return;
        }

        if (!target.Running || target.AgentUrl is null)
        {
            await PreviewPages.StoppedAsync(context, preview, kind == PreviewAccessKind.Owner ? $"{IdeOrigin(context.Request)}/workspaces/{preview.WorkspaceId}" : null);
            return;
        }

        if (preview.Port == target.AgentUrl.Port)
        {
            await PreviewPages.NotFoundAsync(context);
            return;
        }

        if (port is not { Listening: true })
        {
            // A declared port will not start listening while its task is failed: say so instead of waiting.
            var failed = port is null ? null : _status.GetAgentStatus(preview.WorkspaceId)?.Tasks.FirstOrDefault(t => t.State == Shared.Agent.TaskRunState.Failed);
            await (failed is null ? PreviewPages.NotListeningAsync(context, preview) : PreviewPages.TaskFailedAsync(context, preview, failed));
            return;
        }

        if (PreviewRelay.ShouldRelay(_relay.Mode, target.AgentUrl, port, _relay.ReachesPortsDirectly(target.AgentUrl)) && target.AgentSecret is { } secret)
        {
            // The route reaches the relay client's connect callback on the forwarded request (PreviewTransformer).
            context.Features.Set(new PreviewRelayRoute(target.WorkspaceId, target.AgentUrl, secret, port.Port));
            await ForwardAsync(context, preview, PreviewRelay.Destination(target.WorkspaceId, port.Port), _relay.Client, _relayed, kind, linkId, userId);
            return;
        }

        await ForwardAsync(context, preview, Destination(target.AgentUrl, port), _client, _direct, kind, linkId, userId);
    }

    /// <summary>
    /// A port of a Service in the workspace's development namespace, by its cluster DNS name: only a Service and port the
    /// controller reports (never an ExternalName Service, never a name the request chose). Its pods keep running while the
    /// workspace is stopped, so it is reached whatever the workspace's state.
    /// </summary>
    private async Task ForwardToServiceAsync(HttpContext context, PreviewHost preview, PreviewAccessKind kind, string? linkId, string? userId)
    {
        if (_state.GetServicePort(preview.WorkspaceId, preview.Service!, preview.Port) is not { } found)
        {
            await PreviewPages.NoSuchServiceAsync(context, preview);
            return;
        }

        await ForwardAsync(context, preview, ServiceDestination(found.Service, found.Port, _options.ClusterDomain), _client, _direct, kind, linkId, userId);
    }

    /// <summary><c>http://{service}.{namespace}.svc.{cluster domain}:{port}/</c>.</summary>
    public static string ServiceDestination(WorkspaceController.Runtime.ClusterService service, WorkspaceController.Runtime.ClusterServicePort port, string clusterDomain)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(port);
        return string.Concat("http://", service.Name, ".", service.Namespace, ".svc.", clusterDomain, ":", port.Port.ToString(CultureInfo.InvariantCulture), "/");
    }

    /// <summary>A port with team visibility opens for members of the workspace's team (asked on every request, so leaving the team ends it).</summary>
    private async Task<bool> MayOpenAsTeamAsync(string userId, PreviewTarget target, PreviewHost preview, CancellationToken cancellationToken) =>
        _state.EffectiveVisibility(target, preview) == PortVisibility.Team
        && await _access.ForWorkspaceAsync(userId, target.WorkspaceId, cancellationToken) is { } found
        && found.Can(Authorization.Permission.WorkspaceOpenTeamPreview);

    private async Task ForwardAsync(HttpContext context, PreviewHost preview, string destination, HttpMessageInvoker client, PreviewTransformer transformer, PreviewAccessKind kind, string? linkId, string? userId)
    {
        // Uploads are the app's business: no 30 MB cap from Kestrel in front of it.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        using var registration = _connections.Register(context, preview, kind, linkId, userId);
        var began = _metrics.Begin();
        var error = await _forwarder.SendAsync(context, destination, client, _requestConfig, transformer);
        if (error == ForwarderError.Request && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested
            && LostConnection(context.Features.Get<IForwarderErrorFeature>()?.Exception) && Replayable(context))
        {
            // The app's end of a pooled connection went away (it stopped, or restarted) before this request had an answer:
            // a request that changes nothing and carries no body goes once more, through the pool, which has dropped the
            // broken connection. That finds the restarted app, or that nothing listens (another stale pooled connection
            // is caught by the probe below), which is what the user should see either way.
            LogRetrying(preview, error);
            context.Response.Clear();
            error = await _forwarder.SendAsync(context, destination, client, _requestConfig, transformer);
        }

        _metrics.Forwarded(began, kind);
        if (error == ForwarderError.None)
        {
            return;
        }

        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        if (error == ForwarderError.Request && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested
            && (exception?.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused } or PreviewRelayException { NothingListens: true }
                || (LostConnection(exception) && await NothingListensAsync(context, destination))))
        {
            // The app stopped between the agent's last look and this request (the relay says so with its refusal), or
            // it died holding the request: asked again on a fresh connection, nothing listens any more.
            context.Response.Clear();
            await PreviewPages.NotListeningAsync(context, preview);
            return;
        }

        if (context.RequestAborted.IsCancellationRequested)
        {
            // The browser went away (a navigation, a closed tab, a cut connection): routine, not worth a line per request.
            LogForwardCanceled(preview, error);
            return;
        }

        LogForwardFailed(preview, error, exception?.Message);
    }

    /// <summary>
    /// Whether the upstream connection broke (reset, closed before the response, a write or read that failed): not an
    /// answer of the agent's relay, not a timeout. Connection refused is answered before this is asked.
    /// </summary>
    private static bool LostConnection(Exception? exception)
    {
        var lost = false;
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PreviewRelayException or OperationCanceledException or TimeoutException:
                    return false;
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.TimedOut or SocketError.HostNotFound or SocketError.TryAgain }:
                    return false;
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.ResponseEnded }:
                case HttpIOException { HttpRequestError: HttpRequestError.ResponseEnded }:
                    lost = true;
                    break;
                case HttpIOException:
                    // A malformed response is an answer, not a lost connection: never sent twice.
                    return false;
                case IOException:
                case SocketException:
                    lost = true;
                    break;
            }
        }

        return lost;
    }

    /// <summary>A request that may be sent twice: a safe method, and no body (nothing of it has been consumed).</summary>
    private static bool Replayable(HttpContext context)
    {
        var method = context.Request.Method;
        return (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))
            && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true;
    }

    /// <summary>Whether nothing listens on the destination now, asked on a connection of its own (through the agent when relayed).</summary>
    private async Task<bool> NothingListensAsync(HttpContext context, string destination)
    {
        var cancellationToken = context.RequestAborted;
        try
        {
            if (context.Features.Get<PreviewRelayRoute>() is { } route)
            {
                return await _relay.NothingListensAsync(route, cancellationToken);
            }

            var uri = new Uri(destination);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.UpstreamConnectTimeout);
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(uri.DnsSafeHost, uri.Port, timeout.Token);
            return false;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode == SocketError.ConnectionRefused;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // Cannot tell: the error stays the proxy's 502.
            return false;
        }
    }

    private async Task RefuseAsync(HttpContext context, PreviewHost preview, PreviewShareLinkGrant? link)
    {
        if (link is not null && await _state.GetShareLinkAsync(link.LinkId, context.RequestAborted) is { } ended)
        {
            _metrics.LinkRefused(revoked: ended.RevokedAt is not null);
            context.Response.Cookies.Delete(PreviewGrants.ShareCookie);
            await PreviewPages.LinkEndedAsync(context, revoked: ended.RevokedAt is not null);
            return;
        }

        if (PreviewPages.WantsHtml(context.Request))
        {
            // Private: let the IDE origin, where the user's session is, vouch for them with a one-minute ticket.
            var back = context.Request.PathBase + context.Request.Path + context.Request.QueryString;
            context.Response.Redirect(
                $"{IdeOrigin(context.Request)}/previews/authorize?workspace={preview.WorkspaceId}&port={preview.Port}{(preview.Service is null ? "" : "&service=" + preview.Service)}&return={Uri.EscapeDataString(back)}");
            return;
        }

        await PreviewPages.SignInRequiredAsync(context);
    }

    private async Task HandleReservedAsync(HttpContext context, PreviewHost preview, PreviewTarget? target, PathString rest)
    {
        var request = context.Request;
        if (rest == "/auth" && HttpMethods.IsGet(request.Method))
        {
            var userId = _grants.RedeemTicket(request.Query["ticket"].ToString(), preview);
            if (userId is null || target is null || (userId != target.OwnerId && !await MayOpenAsTeamAsync(userId, target, preview, context.RequestAborted)))
            {
                await PreviewPages.BadTicketAsync(context);
                return;
            }

            var expires = _time.GetUtcNow() + _options.OwnerCookieLifetime;
            context.Response.Cookies.Append(PreviewGrants.OwnerCookie, _grants.CreateOwnerCookie(userId, preview), PreviewGrants.CookieOptions(request, expires, embedded: PreviewGrants.IsFramed(request)));
            context.Response.Redirect(LocalPath(request.Query["return"].ToString()));
            return;
        }

        if (rest.StartsWithSegments("/share", out var tokenPath) && HttpMethods.IsGet(request.Method) && tokenPath.Value is { Length: > 1 } token)
        {
            var from = context.Connection.RemoteIpAddress?.ToString() ?? "an unknown address";
            var (link, refusal) = await _service.RedeemAsync(token[1..], preview, from, context.RequestAborted);
            if (link is null)
            {
                await (refusal == PreviewShareLinkRefusal.Unknown ? PreviewPages.NotFoundAsync(context) : PreviewPages.LinkEndedAsync(context, refusal == PreviewShareLinkRefusal.Revoked));
                return;
            }

            context.Response.Cookies.Append(PreviewGrants.ShareCookie, _grants.CreateShareCookie(link.Id, preview, link.ExpiresAt), PreviewGrants.CookieOptions(request, link.ExpiresAt));
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers["Referrer-Policy"] = "no-referrer";
            context.Response.Redirect("/");
            return;
        }

        await PreviewPages.NotFoundAsync(context);
    }

    /// <summary>Where the IDE is, as seen from a preview origin.</summary>
    private string IdeOrigin(HttpRequest request)
    {
        if (_options.IdeUrl is { } ide)
        {
            return ide.GetLeftPart(UriPartial.Authority);
        }

        var port = _options.DomainPort ?? request.Host.Port;
        return port is { } p ? $"{request.Scheme}://{_domainHost}:{p}" : $"{request.Scheme}://{_domainHost}";
    }

    /// <summary>
    /// A path on this origin to return to; anything else (another origin, <c>//host</c>, characters a Location header
    /// cannot carry unescaped) becomes <c>/</c>.
    /// </summary>
    public static string LocalPath(string path) =>
        path.StartsWith('/') && !path.StartsWith("//", StringComparison.Ordinal) && !path.StartsWith("/\\", StringComparison.Ordinal)
            && path.All(c => c is > ' ' and < (char)0x7F)
            ? path
            : "/";

    /// <summary>
    /// The workspace's address for a port: the host of the agent's URL (the runtime's address for the workspace). A
    /// loopback agent reaches a listener bound only to <c>::1</c> through IPv6 loopback.
    /// </summary>
    public static string Destination(Uri agentUrl, WorkspacePort port)
    {
        var host = agentUrl.IsLoopback && OnlyIPv6Loopback(port.Addresses) ? "[::1]"
            : agentUrl.HostNameType == UriHostNameType.IPv6 ? $"[{agentUrl.IdnHost.Trim('[', ']')}]"
            : agentUrl.IdnHost;
        return string.Concat("http://", host, ":", port.Port.ToString(CultureInfo.InvariantCulture), "/");
    }

    private static bool OnlyIPv6Loopback(IReadOnlyList<string> addresses)
    {
        for (var i = 0; i < addresses.Count; i++)
        {
            if (addresses[i] != "::1")
            {
                return false;
            }
        }

        return addresses.Count > 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Forwarding preview {Preview} ended with {Error}: {Reason}")]
    private partial void LogForwardFailed(PreviewHost preview, ForwarderError error, string? reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Forwarding preview {Preview} ended with {Error}: the app's end of a pooled connection went away; asking once more on a new connection")]
    private partial void LogRetrying(PreviewHost preview, ForwarderError error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Forwarding preview {Preview} ended with {Error}: the client went away")]
    private partial void LogForwardCanceled(PreviewHost preview, ForwarderError error);

    /// <summary>
    /// What crosses the proxy: the app's own cookies and headers, never ours. Forwarded headers are set from what the
    /// proxy saw (any the client sent are replaced), and the original Host is kept so the app builds correct URLs.
    /// </summary>
    /// <param name="relayed">Also hands the request's <see cref="PreviewRelayRoute"/> to the relay client's connect callback.</param>
    private sealed class PreviewTransformer(bool relayed, Hosting.IdeCookies ideCookies) : HttpTransformer
    {
        private static readonly string[] ForwardingHeaders = ["Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Port", "X-Forwarded-Prefix", "X-Real-IP"];

        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            if (relayed && httpContext.Features.Get<PreviewRelayRoute>() is { } route)
            {
                proxyRequest.Options.Set(PreviewRelay.RouteKey, route);
            }

            var request = httpContext.Request;
            var headers = proxyRequest.Headers;
            headers.Host = request.Host.Value;
            if (request.Headers.Cookie.Count > 0)
            {
                headers.Remove(HeaderNames.Cookie);
                if (PreviewCookies.Forwarded(request.Headers.Cookie, ideCookies) is { } kept)
                {
                    headers.TryAddWithoutValidation(HeaderNames.Cookie, kept);
                }
            }

            foreach (var name in ForwardingHeaders)
            {
                // Only the client's headers were copied: a lookup in Kestrel's headers is cheaper than a removal here.
                if (request.Headers.ContainsKey(name))
                {
                    headers.Remove(name);
                }
            }

            if (httpContext.Connection.RemoteIpAddress is { } remote)
            {
                headers.TryAddWithoutValidation("X-Forwarded-For", remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4().ToString() : remote.ToString());
            }

            headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
            headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);
        }

        public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
        {
            if (proxyResponse?.StatusCode == HttpStatusCode.SwitchingProtocols && !AskedForUpgrade(httpContext))
            {
                // A switch nobody asked for would hand the client's connection to the app as a raw stream.
                httpContext.Response.Clear();
                await PreviewPages.UnexpectedSwitchAsync(httpContext);
                return false;
            }

            var result = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
            var setCookies = httpContext.Response.Headers.SetCookie;
            if (setCookies.Count > 0)
            {
                // The app may set its own cookies, on its own origin only: the IDE's names are refused, Domain attributes
                // dropped so a cookie cannot reach a sibling preview or the IDE.
                httpContext.Response.Headers.SetCookie = setCookies
                    .Select(c => c is null ? null : PreviewCookies.Rewritten(c, ideCookies))
                    .OfType<string>()
                    .ToArray();
            }

            return result;
        }

        private static bool AskedForUpgrade(HttpContext context) =>
            context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true
            || context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true;
    }
}
