using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceAgent.Status;

namespace Workspaces.WorkspaceAgent.Ports;

public static class PortRelayApi
{
    public static IEndpointRouteBuilder MapPortRelayApi(this IEndpointRouteBuilder endpoints)
    {
        // A plain RequestDelegate: nothing to bind, so nothing for the request delegate generator to compile.
        endpoints.MapGet(AgentProtocol.RelayPathPrefix + "{port}", (RequestDelegate)(context => context.RequestServices.GetRequiredService<PortRelay>().RelayAsync(context)));
        return endpoints;
    }
}

/// <summary>Where a relay to a port goes, or why it does not: an HTTP status and a sentence for the refusal.</summary>
public sealed record RelayTarget(int Status, string? Refusal, IReadOnlyList<IPEndPoint> Endpoints)
{
    public static RelayTarget Refuse(int status, string refusal) => new(status, refusal, []);
}

/// <summary>
/// <c>GET /relay/{port}</c> (<see cref="AgentProtocol.RelayPathPrefix"/>): how the web app reaches a listener bound only to
/// loopback inside the workspace (a pod, where the web app is not on the same loopback). The agent secret is checked by
/// the middleware in front of every endpoint; the destination is always a loopback address of this machine, never the
/// agent's own port, and only a port a process of the workspace listens on.
/// </summary>
public sealed partial class PortRelay(PortWatcher watcher, AgentStatusStore status, IServer server, IHostApplicationLifetime lifetime, ILogger<PortRelay> logger)
{
    /// <summary>The copy buffer of each direction: what one relay holds in memory at most, twice.</summary>
    private const int BufferSize = 16 * 1024;

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Where a relay to <paramref name="port"/> may connect, from the ports the workspace listens on.</summary>
    public static RelayTarget Resolve(string? portText, IReadOnlyCollection<int> agentPorts, IReadOnlyList<WorkspacePort> ports)
    {
        ArgumentNullException.ThrowIfNull(agentPorts);
        ArgumentNullException.ThrowIfNull(ports);
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > IPEndPoint.MaxPort)
        {
            return RelayTarget.Refuse(StatusCodes.Status400BadRequest, "The port must be a number from 1 to 65535.");
        }

        if (agentPorts.Contains(port))
        {
            return RelayTarget.Refuse(StatusCodes.Status403Forbidden, "The agent's own port is never relayed.");
        }

        var listening = ports.FirstOrDefault(p => p.Port == port && p.Listening);
        if (listening is null)
        {
            return RelayTarget.Refuse(StatusCodes.Status404NotFound, string.Create(CultureInfo.InvariantCulture, $"No process of the workspace listens on port {port}."));
        }

        var endpoints = LoopbackEndpoints(listening).ToList();
        return endpoints.Count == 0
            ? RelayTarget.Refuse(StatusCodes.Status404NotFound, string.Create(CultureInfo.InvariantCulture, $"Port {port} listens on no loopback address."))
            : new RelayTarget(StatusCodes.Status101SwitchingProtocols, null, endpoints);
    }

    /// <summary>The loopback addresses that reach the listeners: their own when bound to loopback, IPv4 then IPv6 loopback for wildcards.</summary>
    private static IEnumerable<IPEndPoint> LoopbackEndpoints(WorkspacePort port)
    {
        var addresses = new List<IPAddress>();
        foreach (var text in port.Addresses)
        {
            if (!IPAddress.TryParse(text, out var address))
            {
                continue;
            }

            if (address.Equals(IPAddress.Any))
            {
                address = IPAddress.Loopback;
            }
            else if (address.Equals(IPAddress.IPv6Any))
            {
                address = IPAddress.IPv6Loopback;
            }

            if (IPAddress.IsLoopback(address) && !addresses.Contains(address))
            {
                addresses.Add(address);
            }
        }

        return addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetworkV6).Select(a => new IPEndPoint(a, port.Port));
    }

    public async Task RelayAsync(HttpContext context)
    {
        var target = Resolve(context.Request.RouteValues["port"] as string, AgentPorts(context), CurrentPorts(context.Request.RouteValues["port"] as string));
        if (target.Refusal is not null)
        {
            await RefuseAsync(context, target.Status, target.Refusal);
            return;
        }

        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        var token = context.Request.Headers.Upgrade.ToString();
        var handOver = string.Equals(token, AgentProtocol.RelaySocketUpgrade, StringComparison.OrdinalIgnoreCase);
        if (upgrade is not { IsUpgradableRequest: true }
            || !(handOver || string.Equals(token, AgentProtocol.RelayUpgrade, StringComparison.OrdinalIgnoreCase)))
        {
            context.Response.Headers.Upgrade = AgentProtocol.RelayUpgrade;
            context.Response.Headers.Connection = "Upgrade";
            await RefuseAsync(context, StatusCodes.Status426UpgradeRequired, $"Ask with Connection: Upgrade and Upgrade: {AgentProtocol.RelayUpgrade}.");
            return;
        }

        // A socket can be handed over only to a process on the other end of a Unix socket.
        var connection = handOver ? context.Features.Get<IConnectionSocketFeature>()?.Socket : null;
        if (handOver && connection is not { AddressFamily: AddressFamily.Unix })
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, $"{AgentProtocol.RelaySocketUpgrade} needs a connection to the agent's Unix socket; ask with Upgrade: {AgentProtocol.RelayUpgrade}.");
            return;
        }

        var port = target.Endpoints[0].Port;
        using var socket = connection is null ? await ConnectAsync(target.Endpoints, context.RequestAborted) : ConnectForHandOver(target.Endpoints);
        if (socket is null)
        {
            LogConnectFailed(port);
            await RefuseAsync(context, StatusCodes.Status502BadGateway, string.Create(CultureInfo.InvariantCulture, $"Nothing accepted a connection on port {port}."));
            return;
        }

        if (connection is not null)
        {
            HandOver(context, connection, socket);
            return;
        }

        context.Response.Headers.Upgrade = AgentProtocol.RelayUpgrade;
        await using var client = await upgrade.UpgradeAsync();
        await using var app = new NetworkStream(socket, ownsSocket: false);
        LogOpened(port, socket.RemoteEndPoint);
        // Ended when the agent stops too: an open WebSocket must not hold the agent's shutdown until its timeout.
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        await PumpAsync(client, app, socket, ended.Token);
        LogClosed(port);
    }

    /// <summary>
    /// The 101 and the connected socket in one message, written on the connection's socket itself (Kestrel has written
    /// nothing for this request), then the connection is ended: the web app reads the 101, keeps the socket and needs this
    /// connection no more. Kestrel writes no response for an aborted request.
    /// </summary>
    private void HandOver(HttpContext context, Socket connection, Socket socket)
    {
        SocketHandOver.Send(connection, HandOverHead, socket);
        LogHandedOver(socket.RemoteEndPoint);
        context.Abort();
    }

    private static ReadOnlySpan<byte> HandOverHead =>
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: workspaces-relay-socket\r\n\r\n"u8;

    /// <summary>Copies both ways until either side ends, then closes both; nothing is held but each direction's buffer.</summary>
    private static async Task PumpAsync(Stream client, Stream app, Socket socket, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var toApp = CopyAsync(client, app, stop.Token);
        var toClient = CopyAsync(app, client, stop.Token);
        await Task.WhenAny(toApp, toClient);
        await stop.CancelAsync();
        // The app sees the end at once (not when the other direction's read notices the cancellation).
        socket.Close();
        await Task.WhenAll(toApp, toClient);
    }

    private static async Task CopyAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        try
        {
            await source.CopyToAsync(destination, BufferSize, cancellationToken);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // One side ended or the relay is being torn down: either way this direction is over.
        }
    }

    private static async Task<Socket?> ConnectAsync(IReadOnlyList<IPEndPoint> endpoints, CancellationToken cancellationToken)
    {
        foreach (var endpoint in endpoints)
        {
            var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(ConnectTimeout);
                await socket.ConnectAsync(endpoint, timeout.Token);
                return socket;
            }
            catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                socket.Dispose();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        return null;
    }

    /// <summary>
    /// A blocking connect (bounded by <see cref="ConnectTimeout"/> through <c>SO_SNDTIMEO</c>, which Linux applies to
    /// <c>connect</c>) for a socket that is handed over: a socket the agent used asynchronously stays in its epoll set
    /// after the agent closes its descriptor, while the web app holds the connection, and every byte the app answers
    /// would wake the agent for nothing. Loopback connects complete at once or are refused at once.
    /// </summary>
    private static Socket? ConnectForHandOver(IReadOnlyList<IPEndPoint> endpoints)
    {
        foreach (var endpoint in endpoints)
        {
            var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            {
                NoDelay = true,
                SendTimeout = (int)ConnectTimeout.TotalMilliseconds,
            };
            try
            {
                socket.Connect(endpoint);
                socket.SendTimeout = 0;
                return socket;
            }
            catch (SocketException)
            {
                socket.Dispose();
            }
        }

        return null;
    }

    private static Task RefuseAsync(HttpContext context, int status, string refusal)
    {
        var body = System.Text.Encoding.UTF8.GetBytes(refusal);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    /// <summary>The port this request came in on and every port the agent's server listens on.</summary>
    private HashSet<int> AgentPorts(HttpContext context)
    {
        var ports = new HashSet<int> { context.Connection.LocalPort };
        foreach (var address in server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        {
            // A Unix socket (a sandboxed agent: http://unix:/path) takes no port.
            if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && !uri.Host.Equals("unix", StringComparison.OrdinalIgnoreCase))
            {
                ports.Add(uri.Port);
            }
        }

        return ports;
    }

    /// <summary>
    /// What the watcher last reported; a port missing there is looked up once more in the kernel's listeners, so a server
    /// that started within the last scan interval is not refused.
    /// </summary>
    private IReadOnlyList<WorkspacePort> CurrentPorts(string? portText)
    {
        var reported = status.Current.Ports;
        return int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && !reported.Any(p => p.Port == port && p.Listening)
            ? watcher.Scan()
            : reported;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Relay to port {Port} opened ({Endpoint})")]
    private partial void LogOpened(int port, EndPoint? endpoint);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Relay handed the web app its connection to {Endpoint}")]
    private partial void LogHandedOver(EndPoint? endpoint);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Relay to port {Port} closed")]
    private partial void LogClosed(int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay to port {Port} refused: nothing accepted the connection on loopback")]
    private partial void LogConnectFailed(int port);
}
