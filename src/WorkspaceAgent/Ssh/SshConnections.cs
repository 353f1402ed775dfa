using System.Diagnostics;
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
/// (<see cref="SshCertificates"/>). Ending the agent (the workspace stops) ends every sshd it started.
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

        if (!string.Equals(context.Request.Headers.Upgrade.ToString(), AgentProtocol.SshUpgrade, StringComparison.OrdinalIgnoreCase))
        {
            await RefuseAsync(context, StatusCodes.Status426UpgradeRequired, $"Ask with Connection: Upgrade and Upgrade: {AgentProtocol.SshUpgrade}.");
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "SSH connection closed (sshd {Pid})")]
    private partial void LogClosed(int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "SSH refused: {Reason}")]
    private partial void LogUnavailable(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "sshd: {Line}")]
    private partial void LogSshd(string line);
}
