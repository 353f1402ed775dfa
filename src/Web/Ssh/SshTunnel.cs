using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Workspaces.Shared.Ssh;
using Workspaces.Web.Accounts;
using Workspaces.Web.Agents;
using Workspaces.Web.Authorization;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Ssh;

/// <summary>
/// The SSH tunnel: a WebSocket from the CLI (a personal access token or the session cookie) whose binary messages are
/// the bytes of an OpenSSH connection to a new <c>sshd -i</c> that the workspace's agent starts. Who may use it is the
/// terminals' rule (<see cref="Permission.WorkspaceUseTerminals"/>: the owner and full shares; a read-only share is told
/// no, anyone else that the workspace does not exist), asked through <see cref="AgentAccess"/>, and registered with
/// <see cref="LiveSessions"/> so that revoking a share or blocking the user cuts it. Memory is one buffer per direction;
/// a text message or one larger than <see cref="SshOptions.MaxMessageBytes"/> closes this tunnel alone.
/// </summary>
public sealed partial class SshTunnel(
    AgentAccess agents,
    AccessService access,
    AgentSshConnector connector,
    LiveSessions liveSessions,
    WorkspaceActivity activity,
    IOptions<SshOptions> options,
    ILogger<SshTunnel> logger)
{
    /// <summary>What one read of sshd's output may take (a pipe holds 64 KiB): each read is one message to the client.</summary>
    private const int AgentReadBytes = 64 * 1024;

    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>Open tunnels to a workspace (tests and metrics).</summary>
    public int OpenCount(string workspaceId) => _open.GetValueOrDefault(workspaceId);

    public async Task HandleAsync(HttpContext context, string workspaceId)
    {
        var userId = context.User.Id();
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, $"{context.Request.Scheme}://{context.Request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            // A page of another origin (a preview) must not open a shell on the user's cookie.
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "SSH tunnels are not opened from web pages of another origin.");
            return;
        }

        var agent = await FindAsync(context, userId, workspaceId);
        if (agent is null)
        {
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "The SSH tunnel is a WebSocket: connect with `workspaces ssh` (or its ProxyCommand).");
            return;
        }

        if (!TryReserve(workspaceId))
        {
            LogCapReached(workspaceId, options.Value.MaxTunnelsPerWorkspace);
            await RefuseAsync(context, StatusCodes.Status429TooManyRequests, string.Create(CultureInfo.InvariantCulture, $"Workspace {workspaceId} already has {options.Value.MaxTunnelsPerWorkspace} open SSH connections (the server's limit, Workspaces:Ssh:MaxTunnelsPerWorkspace): close one and try again."));
            return;
        }

        try
        {
            await TunnelAsync(context, userId, workspaceId, agent);
        }
        finally
        {
            Release(workspaceId);
        }
    }

    private async Task TunnelAsync(HttpContext context, string userId, string workspaceId, AccessibleAgent agent)
    {
        AgentSshAnswer answer;
        try
        {
            answer = await connector.UpgradeAsync(agent.AgentUrl!, agent.Secret, context.RequestAborted);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            LogAgentFailed(workspaceId, e.Message);
            await RefuseAsync(context, StatusCodes.Status502BadGateway, "The workspace's agent did not answer: try again; if it keeps failing, restart the workspace.");
            return;
        }

        if (answer.Stream is null)
        {
            await RefuseAsync(context, answer.Status == StatusCodes.Status501NotImplemented ? StatusCodes.Status501NotImplemented : StatusCodes.Status502BadGateway, answer.Reason is { Length: > 0 } reason ? reason : $"The workspace's agent refused SSH ({answer.Status}).");
            return;
        }

        await using var sshd = answer.Stream;
        context.Response.Headers[SshTunnelProtocol.HostKeyHeader] = answer.HostKey;
        context.Response.Headers[SshTunnelProtocol.UserHeader] = answer.User;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = options.Value.KeepAliveInterval,
            KeepAliveTimeout = options.Value.KeepAliveTimeout,
        });
        using var live = liveSessions.Register(userId, workspaceId, Permission.WorkspaceUseTerminals, context);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var touching = TouchWhileOpenAsync(workspaceId, stop.Token);
        LogOpened(workspaceId, userId);
        var toAgent = ToAgentAsync(socket, sshd, stop.Token);
        var toClient = ToClientAsync(sshd, socket, stop.Token);
        var first = await Task.WhenAny(toAgent, toClient);
        var status = await first;
        await stop.CancelAsync();
        sshd.Close();
        await CloseAsync(socket, status);
        await Task.WhenAll(toAgent, toClient, touching);
        LogClosed(workspaceId, status);
    }

    /// <summary>Null (after answering) when the user may not open a tunnel or the workspace does not run.</summary>
    private async Task<AccessibleAgent?> FindAsync(HttpContext context, string userId, string workspaceId)
    {
        var agent = await agents.FindAsync(userId, workspaceId, Permission.WorkspaceUseTerminals, context.RequestAborted);
        if (agent is null)
        {
            var found = await access.ForWorkspaceAsync(userId, workspaceId, context.RequestAborted);
            if (found?.Can(Permission.WorkspaceView) == true)
            {
                await RefuseAsync(context, StatusCodes.Status403Forbidden, found.Can(Permission.WorkspaceWatchTerminals)
                    ? "Your share of this workspace is read-only, which does not include SSH: ask its owner for full access."
                    : "You may see this workspace but not open a shell in it.");
            }
            else
            {
                await RefuseAsync(context, StatusCodes.Status404NotFound, $"There is no workspace {workspaceId} (or it is not yours): `workspaces list` shows yours.");
            }

            return null;
        }

        if (agent.AgentUrl is null)
        {
            await RefuseAsync(context, StatusCodes.Status409Conflict, $"Workspace {workspaceId} is not running: start it with `workspaces start {workspaceId}` and try again.");
            return null;
        }

        return agent;
    }

    /// <summary>The user and host key to connect with (the workspace must run: only its agent knows them).</summary>
    public async Task HandleInfoAsync(HttpContext context, string workspaceId)
    {
        var agent = await FindAsync(context, context.User.Id(), workspaceId);
        if (agent is null)
        {
            return;
        }

        AgentSshAnswer answer;
        try
        {
            answer = await connector.AskAsync(agent.AgentUrl!, agent.Secret, context.RequestAborted);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            LogAgentFailed(workspaceId, e.Message);
            await RefuseAsync(context, StatusCodes.Status502BadGateway, "The workspace's agent did not answer: try again; if it keeps failing, restart the workspace.");
            return;
        }

        if (answer is not { Status: StatusCodes.Status204NoContent, User: { } user, HostKey: { } hostKey })
        {
            await RefuseAsync(context, answer.Status == StatusCodes.Status501NotImplemented ? StatusCodes.Status501NotImplemented : StatusCodes.Status502BadGateway, answer.Reason is { Length: > 0 } reason ? reason : $"The workspace's agent refused SSH ({answer.Status}).");
            return;
        }

        await context.Response.WriteAsJsonAsync(new SshInfo(workspaceId, user, hostKey), context.RequestAborted);
    }

    /// <summary>
    /// A user certificate for the caller's public key from the workspace's agent (its CA, its user, valid for
    /// <see cref="SshOptions.CertificateLifetime"/>): for whoever may open the tunnel, refused as the tunnel is otherwise.
    /// </summary>
    public async Task HandleCertificateAsync(HttpContext context, string workspaceId, SshCertificateRequest? request)
    {
        var userId = context.User.Id();
        var agent = await FindAsync(context, userId, workspaceId);
        if (agent is null)
        {
            return;
        }

        if (!SshPublicKey.TryNormalize(request?.PublicKey, out var key, out var problem))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, $"{problem} (field publicKey)");
            return;
        }

        AgentCertificateAnswer answer;
        try
        {
            answer = await connector.CertifyAsync(agent.AgentUrl!, agent.Secret, new AgentSshCertificateRequest(key, $"user {userId}", options.Value.CertificateLifetime), context.RequestAborted);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Text.Json.JsonException or OperationCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            LogAgentFailed(workspaceId, e.Message);
            await RefuseAsync(context, StatusCodes.Status502BadGateway, "The workspace's agent did not answer: try again; if it keeps failing, restart the workspace.");
            return;
        }

        if (answer.Certificate is not { } certificate)
        {
            await RefuseAsync(context, answer.Status == StatusCodes.Status501NotImplemented ? StatusCodes.Status501NotImplemented : StatusCodes.Status502BadGateway, answer.Reason is { Length: > 0 } reason ? reason : $"The workspace's agent refused an SSH certificate ({answer.Status}).");
            return;
        }

        LogCertified(workspaceId, userId, certificate.ValidBefore);
        await context.Response.WriteAsJsonAsync(new SshCertificateGrant(workspaceId, certificate.User, certificate.HostKey, certificate.Certificate, certificate.ValidBefore), context.RequestAborted);
    }

    /// <summary>Client to sshd: each binary message as it comes; a text or oversized message ends the tunnel with a close status.</summary>
    private async Task<WebSocketCloseStatus> ToAgentAsync(WebSocket socket, Stream sshd, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(options.Value.MaxMessageBytes);
        try
        {
            var memory = buffer.AsMemory(0, options.Value.MaxMessageBytes);
            while (true)
            {
                var received = await socket.ReceiveAsync(memory, cancellationToken);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return WebSocketCloseStatus.NormalClosure;
                }

                if (received.MessageType != WebSocketMessageType.Binary)
                {
                    return WebSocketCloseStatus.InvalidMessageType;
                }

                if (!received.EndOfMessage)
                {
                    return WebSocketCloseStatus.MessageTooBig;
                }

                await sshd.WriteAsync(memory[..received.Count], cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            return WebSocketCloseStatus.EndpointUnavailable;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>sshd to client: what one read returns, as one binary message; the end of sshd's output ends the tunnel.</summary>
    private static async Task<WebSocketCloseStatus> ToClientAsync(Stream sshd, WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(AgentReadBytes);
        try
        {
            int read;
            while ((read = await sshd.ReadAsync(buffer.AsMemory(0, AgentReadBytes), cancellationToken)) > 0)
            {
                await socket.SendAsync(buffer.AsMemory(0, read), WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
            }

            return WebSocketCloseStatus.NormalClosure;
        }
        catch (Exception e) when (e is IOException or WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            return WebSocketCloseStatus.EndpointUnavailable;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        var description = status switch
        {
            WebSocketCloseStatus.MessageTooBig => "A message was larger than the server accepts.",
            WebSocketCloseStatus.InvalidMessageType => "The SSH tunnel carries binary messages only.",
            WebSocketCloseStatus.NormalClosure => "The SSH connection ended.",
            _ => "The workspace's SSH server went away.",
        };
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await socket.CloseOutputAsync(status, description, timeout.Token);
        }
        catch (Exception e) when (e is IOException or WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client is gone already.
        }
    }

    private bool TryReserve(string workspaceId)
    {
        var limit = options.Value.MaxTunnelsPerWorkspace;
        while (true)
        {
            var current = _open.GetValueOrDefault(workspaceId);
            if (current >= limit)
            {
                return false;
            }

            if (current == 0 ? _open.TryAdd(workspaceId, 1) : _open.TryUpdate(workspaceId, current + 1, current))
            {
                return true;
            }
        }
    }

    private void Release(string workspaceId)
    {
        while (true)
        {
            var current = _open.GetValueOrDefault(workspaceId);
            if (current <= 1 ? _open.TryRemove(new KeyValuePair<string, int>(workspaceId, current)) : _open.TryUpdate(workspaceId, current - 1, current))
            {
                return;
            }
        }
    }

    // An open SSH session is activity: it keeps the workspace from being stopped as idle.
    private async Task TouchWhileOpenAsync(string workspaceId, CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(30));
            do
            {
                await activity.TouchAsync(workspaceId, cancellationToken);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The tunnel closed.
        }
    }

    private static async Task RefuseAsync(HttpContext context, int status, string detail)
    {
        var title = status switch
        {
            StatusCodes.Status404NotFound => "Workspace not found",
            StatusCodes.Status403Forbidden => "SSH not allowed",
            StatusCodes.Status409Conflict => "Workspace not running",
            StatusCodes.Status429TooManyRequests => "Too many SSH connections",
            StatusCodes.Status501NotImplemented => "No SSH server in the workspace",
            _ => "SSH unavailable",
        };
        // A WebSocket client sees only the status and headers of a refusal, so the reason goes in a header too.
        context.Response.Headers[SshTunnelProtocol.RefusalHeader] = detail.ReplaceLineEndings(" ");
        await Results.Problem(detail, statusCode: status, title: title).ExecuteAsync(context);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "SSH tunnel to workspace {WorkspaceId} opened by user {UserId}")]
    private partial void LogOpened(string workspaceId, string userId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "SSH certificate for workspace {WorkspaceId} issued to user {UserId}, valid until {ValidBefore}")]
    private partial void LogCertified(string workspaceId, string userId, DateTimeOffset validBefore);

    [LoggerMessage(Level = LogLevel.Debug, Message = "SSH tunnel to workspace {WorkspaceId} closed ({Status})")]
    private partial void LogClosed(string workspaceId, WebSocketCloseStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SSH tunnel to workspace {WorkspaceId} refused: {Limit} tunnels are open")]
    private partial void LogCapReached(string workspaceId, int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The agent of workspace {WorkspaceId} did not answer an SSH request: {Reason}")]
    private partial void LogAgentFailed(string workspaceId, string reason);
}
