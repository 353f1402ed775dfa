using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Previews;

/// <summary>
/// A browser's view of preview origins: every <c>*.localhost</c> name reaches the test app on loopback (as Chromium
/// resolves it), cookies are kept per host by hand (host-only, as a browser keeps them), redirects are not followed.
/// By default it speaks HTTP/1.1 to the app's base address; given an endpoint and HTTP/2 it speaks only HTTP/2 there, over
/// TLS (negotiated by ALPN, as browsers do) for an https endpoint or cleartext (prior knowledge, as an ingress does) for http.
/// </summary>
public sealed class PreviewBrowser : IDisposable
{
    private readonly Uri _endpoint;
    private readonly Version _version;
    private readonly HttpVersionPolicy _versionPolicy;
    private readonly SocketsHttpHandler _handler;
    private readonly Dictionary<string, Dictionary<string, string>> _cookies = new(StringComparer.OrdinalIgnoreCase);

    public PreviewBrowser(TestApp app, Uri? endpoint = null, Version? version = null)
    {
        _endpoint = endpoint ?? app.BaseAddress;
        _version = version ?? HttpVersion.Version11;
        _versionPolicy = version is null ? HttpVersionPolicy.RequestVersionOrLower : HttpVersionPolicy.RequestVersionExact;
        var port = _endpoint.Port;
        _handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(IPAddress.Loopback, port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, errors) => app.TrustsServerCertificate(certificate, errors) },
        };
        Http = new HttpClient(_handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(60) };
    }

    public HttpClient Http { get; }

    /// <summary>Raw Set-Cookie headers the last answers carried, for cookie-attribute assertions.</summary>
    public List<string> SetCookieHeaders { get; } = [];

    public Uri Url(string workspaceId, int port, string path = "/") => new($"{_endpoint.Scheme}://{port}-{workspaceId}.localhost:{_endpoint.Port}{path}");

    public IReadOnlyDictionary<string, string> CookiesFor(Uri url) => _cookies.GetValueOrDefault(url.Authority) ?? new Dictionary<string, string>();

    public void SetCookie(Uri url, string name, string value)
    {
        if (!_cookies.TryGetValue(url.Authority, out var jar))
        {
            _cookies[url.Authority] = jar = new Dictionary<string, string>(StringComparer.Ordinal);
        }

        jar[name] = value;
    }

    public async Task<HttpResponseMessage> GetAsync(Uri url, bool html = true, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (html)
        {
            request.Headers.Accept.ParseAdd("text/html");
        }

        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await SendAsync(request);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        WithVersion(request);
        var jar = CookiesFor(request.RequestUri!);
        if (jar.Count > 0)
        {
            request.Headers.TryAddWithoutValidation("Cookie", string.Join("; ", jar.Select(c => $"{c.Key}={c.Value}")));
        }

        var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var header in setCookies)
            {
                SetCookieHeaders.Add(header);
                var pair = header.Split(';', 2)[0];
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var name = pair[..equals].Trim();
                var value = pair[(equals + 1)..].Trim();
                if (value.Length == 0 || header.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                {
                    if (_cookies.TryGetValue(request.RequestUri!.Authority, out var existing))
                    {
                        existing.Remove(name);
                    }
                }
                else
                {
                    SetCookie(request.RequestUri!, name, value);
                }
            }
        }

        return response;
    }

    /// <summary>
    /// The owner's way into a private preview: the preview redirects to the IDE, the IDE (with the owner's session)
    /// hands out a ticket, the preview origin exchanges it for its own host-only cookie.
    /// </summary>
    public async Task SignInAsOwnerAsync(BrowserSession session, string workspaceId, int port)
    {
        using var first = await GetAsync(Url(workspaceId, port));
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        var authorize = first.Headers.Location!;
        Assert.Equal("localhost", authorize.Host);

        using var ideRequest = WithVersion(new HttpRequestMessage(HttpMethod.Get, authorize));
        using var ide = await session.SendAsync(Http, ideRequest);
        Assert.True(ide.StatusCode == HttpStatusCode.Redirect, $"the IDE answered {(int)ide.StatusCode}: {await ide.Content.ReadAsStringAsync()}");
        var ticketUrl = ide.Headers.Location!;
        Assert.Equal($"{port}-{workspaceId}.localhost", ticketUrl.Host);

        using var exchange = await GetAsync(ticketUrl);
        Assert.Equal(HttpStatusCode.Redirect, exchange.StatusCode);
        Assert.Equal("/", exchange.Headers.Location!.OriginalString);
    }

    public async Task<ClientWebSocket> ConnectWebSocketAsync(Uri url, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        var jar = CookiesFor(url);
        if (jar.Count > 0)
        {
            socket.Options.SetRequestHeader("Cookie", string.Join("; ", jar.Select(c => $"{c.Key}={c.Value}")));
        }

        socket.Options.HttpVersion = _version;
        socket.Options.HttpVersionPolicy = _versionPolicy;
        var ws = new UriBuilder(url) { Scheme = url.Scheme == Uri.UriSchemeHttps ? "wss" : "ws" }.Uri;
        using var invoker = new HttpMessageInvoker(_handler, disposeHandler: false);
        try
        {
            await socket.ConnectAsync(ws, invoker, cancellationToken);
        }
        catch (WebSocketException)
        {
            // The caller looks at HttpStatusCode.
        }

        return socket;
    }

    private HttpRequestMessage WithVersion(HttpRequestMessage request)
    {
        request.Version = _version;
        request.VersionPolicy = _versionPolicy;
        return request;
    }

    public void Dispose()
    {
        Http.Dispose();
        _handler.Dispose();
    }

    /// <summary>The test server's event stream: its first two events arrive while the response is still open (not buffered).</summary>
    public static async Task AssertTicksStreamAsync(HttpResponseMessage events, CancellationToken cancellationToken)
    {
        Assert.Equal("text/event-stream", events.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await events.Content.ReadAsStreamAsync(cancellationToken));
        Assert.Equal("data: tick 0", await reader.ReadLineAsync(cancellationToken));
        await reader.ReadLineAsync(cancellationToken);
        Assert.Equal("data: tick 1", await reader.ReadLineAsync(cancellationToken));
    }
}
