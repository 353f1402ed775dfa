using System.Net.Sockets;
using System.Text;
using Workspaces.TestSupport.Files;

namespace Workspaces.Web.Tests.Infrastructure;

/// <summary>
/// A hand-written agent on a real Unix socket, for the hand-overs: it reads one request head, lets the test check it,
/// and answers; the web app's side runs on the connected client socket.
/// </summary>
public static class AgentOnUnixSocket
{
    public static async Task<T> ExchangeAsync<T>(TempDirectory directory, Action<string> checkRequest, Action<Socket> answer, Func<Socket, Task<T>> webApp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(checkRequest);
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(webApp);
        var path = directory.Combine($"agent-{Guid.NewGuid():N}.sock"[..16]);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
        using var agent = await listener.AcceptAsync(cancellationToken);
        var agentSide = Task.Run(
            async () =>
            {
                var request = new StringBuilder();
                var buffer = new byte[1024];
                while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await agent.ReceiveAsync(buffer, cancellationToken);
                    request.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }

                checkRequest(request.ToString());
                answer(agent);
            },
            cancellationToken);
        try
        {
            return await webApp(client);
        }
        finally
        {
            await agentSide;
        }
    }
}
