using System.Net.WebSockets;

namespace Workspaces.Bench.PreviewProxy;

/// <summary>
/// The app behind every path measured: a 13-byte answer at <c>/</c> and a WebSocket echo at <c>/ws</c>, on Kestrel.
/// The harness runs it as a workspace task, so the preview proxy sees it as the workspace's port.
/// </summary>
internal static class Upstream
{
    public static async Task RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.UseWebSockets();
        app.MapGet("/", () => Results.Text("hello, world\n"));
        app.Map("/ws", async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[4096];
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
            }
        });
        await app.RunAsync();
    }
}
