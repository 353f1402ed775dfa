using System.Diagnostics;
using System.Globalization;
using System.IO.Pipes;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceAgent.Ssh;

public static class SshExtensions
{
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static IServiceCollection AddSsh(this IServiceCollection services)
    {
        services.AddSingleton<SshServer>();
        services.AddSingleton<SshConnections>();
        services.AddSingleton<SshCertificates>();
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
/// input and output the connection's bytes. The agent secret is checked by the middleware in front of every endpoint;
/// the web app has authorized the user, and sshd accepts only a certificate of the workspace's CA
/// (<see cref="SshCertificates"/>). Asked on its Unix socket with <see cref="AgentProtocol.SshPipesUpgrade"/>, the agent
/// hands sshd's pipes to the web app instead of copying (the copies cost as much CPU as sshd's own work). Ending the
/// agent (the workspace stops) ends every sshd it started.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class SshConnections(SshServer server, IHostApplicationLifetime lifetime, ILogger<SshConnections> logger)
{
    /// <summary>Each direction's copy buffer: what one connection holds in memory, twice.</summary>
    private const int BufferSize = 32 * 1024;

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
        var handOver = string.Equals(token, AgentProtocol.SshPipesUpgrade, StringComparison.OrdinalIgnoreCase);
        if (!handOver && !string.Equals(token, AgentProtocol.SshUpgrade, StringComparison.OrdinalIgnoreCase))
        {
            await RefuseAsync(context, StatusCodes.Status426UpgradeRequired, $"Ask with Connection: Upgrade and Upgrade: {AgentProtocol.SshUpgrade}.");
            return;
        }

        // Pipes can be handed over only to a process on the other end of a Unix socket.
        var connection = handOver ? context.Features.Get<IConnectionSocketFeature>()?.Socket : null;
        if (handOver && connection is not { AddressFamily: AddressFamily.Unix })
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, $"{AgentProtocol.SshPipesUpgrade} needs a connection to the agent's Unix socket; ask with Upgrade: {AgentProtocol.SshUpgrade}.");
            return;
        }

        if (connection is not null)
        {
            HandOver(context, connection, Start(setup), setup);
            return;
        }

        using var sshd = Start(setup);
        context.Response.Headers.Upgrade = AgentProtocol.SshUpgrade;
        await using var client = await upgrade.UpgradeAsync();
        LogOpened(sshd.Id);
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        await PumpAsync(client, sshd, ended.Token);
        LogClosed(sshd.Id);
    }

    /// <summary>
    /// The 101, with the user and host key, and sshd's standard input and output in one message on the connection's
    /// socket itself (Kestrel has written nothing for this request); then the connection is ended and the agent only
    /// waits for sshd, which ends when the web app closes its pipes or is killed when the agent stops.
    /// </summary>
    private void HandOver(HttpContext context, Socket connection, Process sshd, SshSetup setup)
    {
        var pid = sshd.Id;
        try
        {
            var head = Encoding.ASCII.GetBytes(string.Create(
                CultureInfo.InvariantCulture,
                $"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: {AgentProtocol.SshPipesUpgrade}\r\n{AgentProtocol.SshHostKeyHeader}: {setup.HostPublicKey}\r\n{AgentProtocol.SshUserHeader}: {setup.User}\r\n\r\n"));
            SocketHandOver.Send(connection, head, ((PipeStream)sshd.StandardInput.BaseStream).SafePipeHandle, ((PipeStream)sshd.StandardOutput.BaseStream).SafePipeHandle);
        }
        catch
        {
            sshd.Kill(entireProcessTree: true);
            sshd.Dispose();
            throw;
        }
        finally
        {
            // The web app has its own descriptors: sshd's input ends when it closes them, never because of ours.
            sshd.StandardInput.Dispose();
            sshd.StandardOutput.Dispose();
        }

        LogHandedOver(pid);
        _ = WaitAsync(sshd, pid);
        context.Abort();
    }

    private async Task WaitAsync(Process sshd, int pid)
    {
        using (sshd)
        using (lifetime.ApplicationStopping.Register(() => Kill(sshd)))
        {
            await sshd.WaitForExitAsync();
        }

        LogClosed(pid);
    }

    private static void Kill(Process sshd)
    {
        try
        {
            sshd.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // It ended already.
        }
    }

    private Process Start(SshSetup setup)
    {
        var start = new ProcessStartInfo(setup.SshdPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // sshd re-executes itself, so it must be started by its absolute path.
        foreach (var argument in new[] { "-i", "-e", "-f", setup.ConfigPath })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{setup.SshdPath} did not start.");
        _ = LogErrorsAsync(process);
        return process;
    }

    /// <summary>Copies both ways until either side ends; then sshd sees the end of its input and is killed if it lingers.</summary>
    private static async Task PumpAsync(Stream client, Process sshd, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var input = sshd.StandardInput.BaseStream;
        var output = sshd.StandardOutput.BaseStream;
        var toSshd = CopyAsync(client, input, closeDestination: true, stop.Token);
        var toClient = CopyAsync(output, client, closeDestination: false, stop.Token);
        await Task.WhenAny(toSshd, toClient);
        await stop.CancelAsync();
        input.Dispose();
        try
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await sshd.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            sshd.Kill(entireProcessTree: true);
        }

        output.Dispose();
        await Task.WhenAll(toSshd, toClient);
    }

    private static async Task CopyAsync(Stream source, Stream destination, bool closeDestination, CancellationToken cancellationToken)
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
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // One side ended or the connection is being torn down: either way this direction is over.
        }
        finally
        {
            if (closeDestination)
            {
                await destination.DisposeAsync();
            }
        }
    }

    /// <summary>sshd's own complaints (its log level is ERROR), kept in the agent's log for whoever debugs a refusal.</summary>
    private async Task LogErrorsAsync(Process process)
    {
        try
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                LogSshd(line);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The process is gone.
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "SSH connection opened (sshd {Pid}), its pipes handed to the web app")]
    private partial void LogHandedOver(int pid);

    [LoggerMessage(Level = LogLevel.Debug, Message = "SSH connection closed (sshd {Pid})")]
    private partial void LogClosed(int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "SSH refused: {Reason}")]
    private partial void LogUnavailable(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "sshd: {Line}")]
    private partial void LogSshd(string line);
}
