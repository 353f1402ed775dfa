using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceAgent.Terminals.Native;

namespace Workspaces.WorkspaceAgent.Ssh;

public static class SshExtensions
{
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static IServiceCollection AddSsh(this IServiceCollection services)
    {
        services.AddSingleton<SshServer>();
        services.AddSingleton<SshConnections>();
        services.AddSingleton<SshCertificates>();
        services.TryAddSingleton<ChildProcessExits>();
        return services;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static IEndpointRouteBuilder MapSshApi(this IEndpointRouteBuilder endpoints)
    {
        // A plain RequestDelegate: nothing to bind, so nothing for the request delegate generator to compile.
        endpoints.MapGet(AgentProtocol.SshPath, (RequestDelegate)(context => context.RequestServices.GetRequiredService<SshConnections>().HandleAsync(context)));
        endpoints.MapPost(AgentProtocol.SshCertificatePath, (RequestDelegate)(context => context.RequestServices.GetRequiredService<SshCertificates>().HandleAsync(context)));
        return endpoints;
    }
}

/// <summary>
/// <c>GET /ssh</c> (<see cref="AgentProtocol.SshPath"/>): one OpenSSH <c>sshd -i</c> per upgraded connection, its standard
/// input and output one end of a Unix socket pair (<see cref="SshdProcess"/>). On the agent's Unix socket (a sandboxed
/// local workspace) the web app asks for that end itself (<see cref="AgentProtocol.SshSocketUpgrade"/>) and relays to it
/// with no hop through the agent; otherwise (a pod) the agent copies between the connection and sshd. The agent secret
/// is checked by the middleware in front of every endpoint; the web app has authorized the user, and sshd accepts only a
/// certificate of the workspace's CA (<see cref="SshCertificates"/>). Ending the agent (the workspace stops) ends every
/// sshd it started, handed over or not.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed partial class SshConnections(SshServer server, ChildProcessExits exits, IHostApplicationLifetime lifetime, ILogger<SshConnections> logger)
{
    /// <summary>Each direction's copy buffer when the agent relays: what one connection holds in memory, twice.</summary>
    private const int BufferSize = 64 * 1024;

    /// <summary>How long sshd may take to end after its connection did before it is killed.</summary>
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(2);

    public async Task HandleAsync(HttpContext context)
    {
        SshSetup setup;
        try
        {
            setup = await server.PrepareAsync(context.RequestAborted);
        }
        catch (SshUnavailableException e)
        {
            LogUnavailable(e.Message);
            await RefuseAsync(context, e.Status, e.Message);
            return;
        }

        context.Response.Headers[AgentProtocol.SshHostKeyHeader] = setup.HostPublicKey;
        context.Response.Headers[AgentProtocol.SshUserHeader] = setup.User;
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is not { IsUpgradableRequest: true })
        {
            // What a client needs before it connects: who to log in as and which host key to expect.
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        var token = context.Request.Headers.Upgrade.ToString();
        var handOver = string.Equals(token, AgentProtocol.SshSocketUpgrade, StringComparison.OrdinalIgnoreCase);
        if (!handOver && !string.Equals(token, AgentProtocol.SshUpgrade, StringComparison.OrdinalIgnoreCase))
        {
            await RefuseAsync(context, StatusCodes.Status426UpgradeRequired, $"Ask with Connection: Upgrade and Upgrade: {AgentProtocol.SshUpgrade}.");
            return;
        }

        // A socket can be handed over only to a process on the other end of a Unix socket.
        var connection = handOver ? context.Features.Get<IConnectionSocketFeature>()?.Socket : null;
        if (handOver && connection is not { AddressFamily: AddressFamily.Unix })
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, $"{AgentProtocol.SshSocketUpgrade} needs a connection to the agent's Unix socket; ask with Upgrade: {AgentProtocol.SshUpgrade}.");
            return;
        }

        SshdProcess sshd;
        try
        {
            sshd = SshdProcess.Start(setup, exits);
        }
        catch (IOException e)
        {
            LogUnavailable(e.Message);
            await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, e.Message);
            return;
        }

        LogOpened(sshd.ProcessId);
        var logging = LogErrorsAsync(sshd.Errors);
        if (connection is not null)
        {
            if (HandOver(context, connection, sshd, setup))
            {
                // It ends when the web app closes its end, or is killed when the agent stops.
                _ = SuperviseAsync(sshd, logging);
                return;
            }

            await FinishAsync(sshd, logging);
            return;
        }

        try
        {
            context.Response.Headers.Upgrade = AgentProtocol.SshUpgrade;
            await using var client = await upgrade.UpgradeAsync();
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
            await PumpAsync(client, sshd, ended.Token);
        }
        finally
        {
            await FinishAsync(sshd, logging);
        }
    }

    /// <summary>
    /// The 101 (with the user and host key) and sshd's end of the connection in one message, written on the connection's
    /// socket itself (Kestrel has written nothing for this request), then this connection is ended. The agent keeps
    /// nothing of the session but sshd's standard error and its exit. False (sshd killed) when the message could not go.
    /// </summary>
    private bool HandOver(HttpContext context, Socket connection, SshdProcess sshd, SshSetup setup)
    {
        try
        {
            var head = $"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: {AgentProtocol.SshSocketUpgrade}\r\n"
                + $"{AgentProtocol.SshHostKeyHeader}: {OneLine(setup.HostPublicKey)}\r\n{AgentProtocol.SshUserHeader}: {OneLine(setup.User)}\r\n\r\n";
            SocketHandOver.Send(connection, Encoding.ASCII.GetBytes(head), sshd.Connection);
            return true;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The web app may have given up and Kestrel dropped the connection: sshd goes, and the caller finishes as usual.
            LogHandOverFailed(e.Message);
            sshd.Kill();
            return false;
        }
        finally
        {
            // The web app has its own descriptor now: once it closes that, sshd sees the end of its input.
            sshd.Connection.Dispose();
            context.Abort();
        }
    }

    private static string OneLine(string value) => value.ReplaceLineEndings(" ");

    /// <summary>A handed-over sshd: killed if the agent stops first, reaped when it ends.</summary>
    private async Task SuperviseAsync(SshdProcess sshd, Task logging)
    {
        using (lifetime.ApplicationStopping.Register(sshd.Kill))
        {
            await sshd.Exited;
            await FinishAsync(sshd, logging);
        }
    }

    /// <summary>Copies both ways until either side ends.</summary>
    private static async Task PumpAsync(Stream client, SshdProcess sshd, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await using var stream = new NetworkStream(sshd.Connection, ownsSocket: false);
        var toSshd = CopyAsync(client, stream, stop.Token);
        var toClient = CopyAsync(stream, client, stop.Token);
        await Task.WhenAny(toSshd, toClient);
        await stop.CancelAsync();
        await Task.WhenAll(toSshd, toClient);
    }

    /// <summary>
    /// sshd has lost its connection (or is to): it sees the end of its input and ends on its own, or is killed after
    /// <see cref="ExitGrace"/>; then it is reaped and its last complaints logged.
    /// </summary>
    private async Task FinishAsync(SshdProcess sshd, Task logging)
    {
        try
        {
            sshd.Connection.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Handed over, or closed already.
        }

        try
        {
            await sshd.Exited.WaitAsync(ExitGrace);
        }
        catch (TimeoutException)
        {
            sshd.Kill();
            await sshd.Exited;
        }

        try
        {
            // Its standard error ends with it, unless something it started kept a copy.
            await logging.WaitAsync(ExitGrace);
        }
        catch (TimeoutException)
        {
            // Closing our end below ends the reading.
        }

        sshd.Dispose();
        await logging;
        LogClosed(sshd.ProcessId);
    }

    private static async Task CopyAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        try
        {
            var buffer = new byte[BufferSize];
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                await destination.FlushAsync(cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // One side ended or the connection is being torn down: either way this direction is over.
        }
    }

    /// <summary>sshd's own complaints (its log level is ERROR), kept in the agent's log for whoever debugs a refusal.</summary>
    private async Task LogErrorsAsync(Socket errors)
    {
        try
        {
            using var reader = new StreamReader(new NetworkStream(errors, ownsSocket: false), Encoding.UTF8);
            while (await reader.ReadLineAsync() is { } line)
            {
                LogSshd(line);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            // sshd is gone.
        }
    }

    internal static Task RefuseAsync(HttpContext context, int status, string refusal)
    {
        var body = System.Text.Encoding.UTF8.GetBytes(refusal);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "SSH connection opened (sshd {Pid})")]
    private partial void LogOpened(int pid);

    [LoggerMessage(Level = LogLevel.Debug, Message = "SSH connection closed (sshd {Pid})")]
    private partial void LogClosed(int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "SSH refused: {Reason}")]
    private partial void LogUnavailable(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handing the SSH connection to the web app failed: {Reason}")]
    private partial void LogHandOverFailed(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "sshd: {Line}")]
    private partial void LogSshd(string line);
}
