using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.Web.Previews;

/// <summary>Which agent, with which secret, a relayed connection to a workspace's port goes through.</summary>
public sealed record PreviewRelayRoute(string WorkspaceId, Uri AgentUrl, string AgentSecret, int Port)
{
    public override string ToString() => $"PreviewRelayRoute {{ WorkspaceId = {WorkspaceId}, AgentUrl = {AgentUrl}, Port = {Port} }}";
}

/// <summary>The agent refused to relay (before upgrading); <see cref="NothingListens"/> when no listener was there.</summary>
public sealed class PreviewRelayException(int status, string message) : IOException(message)
{
    public int Status { get; } = status;

    /// <summary>404 (no process of the workspace listens there) or 502 (the listener went away): the "not listening yet" page.</summary>
    public bool NothingListens => Status is StatusCodes.Status404NotFound or StatusCodes.Status502BadGateway;
}

/// <summary>
/// The proxy's way to a port through the workspace's agent (<see cref="AgentProtocol.RelayPathPrefix"/>), for listeners
/// the web app cannot reach directly: bound only to loopback inside a pod. A connection of its own HTTP client opens a
/// TCP connection to the agent, asks it to relay to the port with the agent secret, and once it answers 101 hands the
/// stream to the client, which speaks HTTP/1.1 (and WebSocket upgrades) over it as over any connection. The pool key of
/// that client is the destination URI, so <see cref="Destination"/> names workspace and port: pooled connections are
/// never shared by two workspaces or two ports.
/// </summary>
public sealed partial class PreviewRelay : IDisposable
{
    /// <summary>Where the proxy's request carries its route to the connect callback.</summary>
    public static readonly HttpRequestOptionsKey<PreviewRelayRoute> RouteKey = new("Workspaces.PreviewRelay.Route");

    /// <summary>A response head longer than this is not the agent's.</summary>
    private const int MaxHeadBytes = 8 * 1024;

    /// <summary>An agent's answer head, the bytes read after it, and the socket handed over with it (null: none).</summary>
    internal sealed record HandOverHead(string Head, ReadOnlyMemory<byte> Rest, Socket? Socket);

    private readonly ILogger<PreviewRelay> _logger;
    private readonly IAgentConnections _agents;

    public PreviewRelay(IOptions<PreviewOptions> options, IAgentConnections agents, ILogger<PreviewRelay> logger)
    {
        _logger = logger;
        _agents = agents;
        Mode = options.Value.Relay;
        var handler = PreviewProxy.UpstreamHandler(options.Value);
        handler.ConnectCallback = ConnectAsync;
        Client = new HttpMessageInvoker(handler);
    }

    public PreviewRelayMode Mode { get; }

    /// <summary>Whether the proxy can connect to the workspace's ports itself (not for a sandboxed agent).</summary>
    public bool ReachesPortsDirectly(Uri agentUrl) => _agents.ReachesPortsDirectly(agentUrl);

    /// <summary>The HTTP client for relayed destinations (only those: its connect callback needs a route).</summary>
    public HttpMessageInvoker Client { get; }

    public void Dispose() => Client.Dispose();

    /// <summary>
    /// Whether to relay: always when the web app cannot reach the workspace's ports itself (a sandboxed agent, in a network
    /// namespace of its own); always or never when configured so; otherwise when every listener is bound to a loopback
    /// address and the agent is not on this machine's loopback (where the proxy reaches loopback listeners itself).
    /// </summary>
    public static bool ShouldRelay(PreviewRelayMode mode, Uri agentUrl, WorkspacePort port, bool reachesPortsDirectly = true)
    {
        ArgumentNullException.ThrowIfNull(agentUrl);
        ArgumentNullException.ThrowIfNull(port);
        return !reachesPortsDirectly || mode switch
        {
            PreviewRelayMode.Always => true,
            PreviewRelayMode.Never => false,
            _ => !agentUrl.IsLoopback && AllLoopback(port.Addresses),
        };
    }

    /// <summary>A destination unique to the workspace and port (the host is never resolved: the callback connects to the agent).</summary>
    public static string Destination(string workspaceId, int port) =>
        string.Create(CultureInfo.InvariantCulture, $"http://{workspaceId}.relay.invalid:{port}/");

    /// <summary>Asked on every preview request: the common spellings are compared, not parsed.</summary>
    private static bool AllLoopback(IReadOnlyList<string> addresses)
    {
        for (var i = 0; i < addresses.Count; i++)
        {
            var address = addresses[i];
            if (address is not ("127.0.0.1" or "::1") && !(IPAddress.TryParse(address, out var parsed) && IPAddress.IsLoopback(parsed)))
            {
                return false;
            }
        }

        return addresses.Count > 0;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        if (!context.InitialRequestMessage.Options.TryGetValue(RouteKey, out var route))
        {
            throw new InvalidOperationException($"A relayed preview request to {context.DnsEndPoint} carries no route.");
        }

        return await OpenAsync(route, cancellationToken);
    }

    /// <summary>
    /// Whether the agent says, now, that nothing listens on the route's port: asked on a connection of its own (opened
    /// and closed at once), never on one of the pool's. False when something listens or the agent answers otherwise.
    /// </summary>
    public async Task<bool> NothingListensAsync(PreviewRelayRoute route, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(route);
        try
        {
            await using var probe = await OpenAsync(route, cancellationToken);
            return false;
        }
        catch (PreviewRelayException e)
        {
            return e.NothingListens;
        }
    }

    private async Task<Stream> OpenAsync(PreviewRelayRoute route, CancellationToken cancellationToken)
    {
        var socket = await _agents.ConnectAsync(route.AgentUrl, cancellationToken);
        try
        {
            if (socket.AddressFamily == AddressFamily.Unix)
            {
                // A sandboxed agent on this machine hands over its connection to the listener: no byte crosses it after.
                if (await HandOverAsync(socket, route, cancellationToken) is { } handedOver)
                {
                    socket.Dispose();
                    LogHandedOver(route.WorkspaceId, route.Port);
                    return new NetworkStream(handedOver, ownsSocket: true);
                }

                // An agent from before the hand-over (agents outlive the web app) refused the token: relay bytes through it.
                socket.Dispose();
                socket = await _agents.ConnectAsync(route.AgentUrl, cancellationToken);
            }

            await SendRelayRequestAsync(socket, route, AgentProtocol.RelayUpgrade, cancellationToken);
            var (status, head) = await ReadHeadAsync(socket, cancellationToken);
            if (status != StatusCodes.Status101SwitchingProtocols)
            {
                throw Refused(route, status, await ReadReasonAsync(socket, head, cancellationToken));
            }

            LogOpened(route.WorkspaceId, route.Port);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Asks the agent for its own connection to the port (<see cref="AgentProtocol.RelaySocketUpgrade"/>): the connected
    /// socket, or null when the agent does not know the token (426). Any other refusal is thrown as the byte relay's is.
    /// </summary>
    public static async Task<Socket?> HandOverAsync(Socket agent, PreviewRelayRoute route, CancellationToken cancellationToken)
    {
        await SendRelayRequestAsync(agent, route, AgentProtocol.RelaySocketUpgrade, cancellationToken);
        var answer = await ReadHandOverHeadAsync(agent, "relay", cancellationToken);
        var handedOver = answer.Socket;
        try
        {
            var head = answer.Head;
            var status = ParseStatus(head);
            if (status == StatusCodes.Status101SwitchingProtocols && handedOver is not null)
            {
                // The agent may only ever hand over its TCP connection to a listener (it is code the workspace could tamper with).
                if (handedOver is not { SocketType: SocketType.Stream, AddressFamily: AddressFamily.InterNetwork or AddressFamily.InterNetworkV6, Connected: true })
                {
                    throw new IOException($"The agent of workspace {route.WorkspaceId} handed over something other than a TCP connection ({handedOver.AddressFamily}, {handedOver.SocketType}).");
                }

                handedOver.NoDelay = true;
                var result = handedOver;
                handedOver = null;
                return result;
            }

            if (status == StatusCodes.Status101SwitchingProtocols)
            {
                throw new IOException("The agent switched protocols without handing over a socket.");
            }

            if (status == StatusCodes.Status426UpgradeRequired)
            {
                return null;
            }

            throw Refused(route, status, await ReadReasonAsync(agent, head, answer.Rest, cancellationToken));
        }
        finally
        {
            handedOver?.Dispose();
        }
    }

    private static async Task SendRelayRequestAsync(Socket socket, PreviewRelayRoute route, string upgrade, CancellationToken cancellationToken)
    {
        var request = string.Create(
            CultureInfo.InvariantCulture,
            $"GET {AgentProtocol.RelayPathPrefix}{route.Port} HTTP/1.1\r\nHost: {route.AgentUrl.Authority}\r\nAuthorization: {AgentProtocol.AuthorizationScheme} {route.AgentSecret}\r\nConnection: Upgrade\r\nUpgrade: {upgrade}\r\n\r\n");
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), cancellationToken);
    }

    private static PreviewRelayException Refused(PreviewRelayRoute route, int status, string reason) =>
        new(status, $"The agent of workspace {route.WorkspaceId} refused to relay port {route.Port}: {status} {reason}");

    /// <summary>
    /// The response head, up to and including its blank line and not a byte more (what follows a 101 belongs to the
    /// relayed connection): peek, consume what is certainly head, repeat.
    /// </summary>
    internal static async Task<(int Status, string Head)> ReadHeadAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxHeadBytes];
        var length = 0;
        while (true)
        {
            var peeked = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.Peek, cancellationToken);
            if (peeked == 0)
            {
                throw new IOException("The agent closed the connection before answering the relay request.");
            }

            var end = buffer.AsSpan(0, length + peeked).IndexOf("\r\n\r\n"u8);
            var take = end >= 0 ? end + 4 - length : peeked;
            await ReceiveExactlyAsync(socket, buffer.AsMemory(length, take), cancellationToken);
            length += take;
            if (end >= 0)
            {
                break;
            }

            if (length == buffer.Length)
            {
                throw new IOException("The agent's answer to the relay request has no end of head.");
            }
        }

        var head = Encoding.ASCII.GetString(buffer, 0, length);
        return (ParseStatus(head), head);
    }

    /// <summary>
    /// Reads an agent's answer head to a hand-over request (<paramref name="request"/> names it in errors), taking the
    /// socket passed with it, if any: the caller owns that socket, and checks what it is before using it.
    /// </summary>
    internal static async Task<HandOverHead> ReadHandOverHeadAsync(Socket agent, string request, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxHeadBytes];
        var length = 0;
        Socket? handedOver = null;
        try
        {
            int end;
            while ((end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (length == buffer.Length)
                {
                    throw new IOException($"The agent's answer to the {request} request has no end of head.");
                }

                var (read, socket) = await SocketHandOver.ReceiveAsync(agent, buffer.AsMemory(length), cancellationToken);
                if (socket is not null)
                {
                    handedOver?.Dispose();
                    handedOver = socket;
                }

                if (read == 0)
                {
                    throw new IOException($"The agent closed the connection before answering the {request} request.");
                }

                length += read;
            }

            var result = new HandOverHead(Encoding.ASCII.GetString(buffer, 0, end + 4), buffer.AsMemory(end + 4, length - end - 4), handedOver);
            handedOver = null;
            return result;
        }
        finally
        {
            handedOver?.Dispose();
        }
    }

    internal static int ParseStatus(string head)
    {
        var statusLine = head.AsSpan(0, head.IndexOf("\r\n", StringComparison.Ordinal));
        var parts = statusLine.ToString().Split(' ', 3);
        return parts.Length >= 2 && parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status)
            ? status
            : throw new IOException($"The agent's answer to the relay request is not HTTP: {statusLine}");
    }

    /// <summary>The refusal's short text body, when it has one (the agent says why).</summary>
    internal static Task<string> ReadReasonAsync(Socket socket, string head, CancellationToken cancellationToken) =>
        ReadReasonAsync(socket, head, ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <summary>The same; <paramref name="received"/> is what of it was read with the head.</summary>
    internal static async Task<string> ReadReasonAsync(Socket socket, string head, ReadOnlyMemory<byte> received, CancellationToken cancellationToken)
    {
        const string header = "\r\ncontent-length:";
        var at = head.IndexOf(header, StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return "";
        }

        var valueStart = at + header.Length;
        var valueEnd = head.IndexOf("\r\n", valueStart, StringComparison.Ordinal);
        if (!int.TryParse(head.AsSpan(valueStart, valueEnd - valueStart).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length is <= 0 or > 1024)
        {
            return "";
        }

        var body = new byte[length];
        var already = Math.Min(length, received.Length);
        received[..already].CopyTo(body);
        await ReceiveExactlyAsync(socket, body.AsMemory(already), cancellationToken);
        return Encoding.UTF8.GetString(body);
    }

    private static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (buffer.Length > 0)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new IOException("The agent closed the relay connection mid-answer.");
            }

            buffer = buffer[read..];
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Preview relay to port {Port} of workspace {WorkspaceId} opened through its agent")]
    private partial void LogOpened(string workspaceId, int port);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Preview connection to port {Port} of workspace {WorkspaceId} handed over by its agent")]
    private partial void LogHandedOver(string workspaceId, int port);
}
