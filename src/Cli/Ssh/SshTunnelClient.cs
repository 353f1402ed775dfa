using System.Net;
using System.Net.WebSockets;
using Workspaces.Cli.Api;
using Workspaces.Shared.Ssh;

namespace Workspaces.Cli.Ssh;

/// <summary>An open tunnel: the bytes of an SSH connection to the workspace's sshd, and who and what to expect there.</summary>
public sealed class SshTunnel(ClientWebSocket socket, string hostKey, string user) : IDisposable
{
    public string HostKey { get; } = hostKey;

    public string User { get; } = user;

    public void Dispose() => socket.Dispose();

    /// <summary>
    /// Copies <paramref name="input"/> into the tunnel and the tunnel into <paramref name="output"/> until either ends.
    /// ssh's ProxyCommand pipes are read and written synchronously: .NET has no asynchronous I/O for pipes on Unix (an
    /// asynchronous read is a blocking read queued to the thread pool), so each message would cost a work item and a
    /// thread hand-off for nothing. Reading ssh's side gets its own thread; writing to ssh happens right where a message
    /// arrives (a pipe write blocks only while ssh does not read, and then nothing else could go on anyway).
    /// </summary>
    public async Task PumpAsync(Stream input, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var up = Task.Factory.StartNew(() => Up(input, stop.Token), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var down = DownAsync(output, stop.Token);
        var first = await Task.WhenAny(up, down);
        if (first == up)
        {
            // Our side ended (ssh closed its end of the pipe): say so and let the server finish sending.
            using var linger = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            linger.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, linger.Token);
                await down.WaitAsync(linger.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
            {
                // The server is gone or slow to close: we are done either way.
            }
        }

        await stop.CancelAsync();
        socket.Abort();
        await down;
        // When the tunnel ended first, the reading thread may sit in a read of ssh's pipe that nothing can interrupt: it
        // ends when ssh closes the pipe, which ssh does once this process exits and it sees the end of the connection.
        // It is a background thread and catches what it throws, so it is not waited for.
    }

    private void Up(Stream input, CancellationToken cancellationToken)
    {
        var buffer = new byte[SshTunnelProtocol.ClientMessageBytes];
        try
        {
            int read;
            while ((read = input.Read(buffer)) > 0)
            {
                // The send nearly always completes at once (the socket's buffer has room); when it does not, this thread
                // waits for it, as it would wait for ssh's next bytes.
                var sent = socket.SendAsync(buffer.AsMemory(0, read), WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
                if (sent.IsCompletedSuccessfully)
                {
                    sent.GetAwaiter().GetResult();
                }
                else
                {
                    sent.AsTask().GetAwaiter().GetResult();
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The tunnel or the input ended.
        }
    }

    private async Task DownAsync(Stream output, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                // Unbuffered (see the ProxyCommand's streams): each message reaches ssh as it comes.
                output.Write(buffer, 0, received.Count);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The tunnel or the output ended.
        }
    }
}

/// <summary>Opens the web app's SSH tunnel (<see cref="SshTunnelProtocol.TunnelPath"/>) with the user's token.</summary>
public static class SshTunnelClient
{
    public static async Task<SshTunnel> OpenAsync(ServerConnection server, string workspaceId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(15);
        socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(45);
        socket.Options.SetRequestHeader("Authorization", "Bearer " + server.Token);
        var scheme = server.BaseUrl.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        var uri = new Uri($"{scheme}://{server.BaseUrl.Authority}{SshTunnelProtocol.TunnelPath(workspaceId)}");
        try
        {
            await socket.ConnectAsync(uri, cancellationToken);
        }
        catch (WebSocketException e)
        {
            var status = (HttpStatusCode)socket.HttpStatusCode;
            var refusal = socket.HttpResponseHeaders?.TryGetValue(SshTunnelProtocol.RefusalHeader, out var values) == true ? string.Join(" ", values) : null;
            socket.Dispose();
            throw status == 0 ? server.Unreachable(e) : server.Refusal(status, refusal);
        }
        catch (HttpRequestException e)
        {
            socket.Dispose();
            throw server.Unreachable(e);
        }

        var headers = socket.HttpResponseHeaders;
        var hostKey = headers?.TryGetValue(SshTunnelProtocol.HostKeyHeader, out var keys) == true ? string.Join("", keys) : "";
        var user = headers?.TryGetValue(SshTunnelProtocol.UserHeader, out var users) == true ? string.Join("", users) : "";
        return new SshTunnel(socket, hostKey, user);
    }
}
