using System.Net;
using System.Net.Sockets;

namespace Workspaces.TestSupport.Previews;

/// <summary>
/// A dev server for preview tests (<c>preview_server.py</c>, Python's standard library only): <c>/</c> says hello,
/// <c>/headers</c> echoes the request headers as JSON, <c>/set-cookie</c> sets cookies (one with a Domain, one with a
/// name the proxy owns), <c>/set-cookie-raw?c=…</c> sends each <c>c</c> as a Set-Cookie header as is, <c>/switch</c> answers
/// <c>101</c> to a request that asked for no upgrade, <c>/redirect</c> redirects, <c>/connection</c> names the client connection it came on
/// (address and port), <c>/close</c> answers and closes its keep-alive connection, POST counts and hashes the body, <c>/events</c> is an SSE stream
/// (a tick every 200 ms), <c>/hang</c> never answers, <c>/slow</c> sends 100 KiB a KiB at a time, and a WebSocket upgrade on any path echoes every message.
/// </summary>
public static class PreviewServer
{
    public const string FileName = "preview_server.py";

    public static string Script { get; } = ReadScript();

    /// <summary>A shell command that serves on <paramref name="port"/> from the checkout.</summary>
    public static string Command(int port, string bind = "127.0.0.1") => $"exec python3 {FileName} {port} {bind}";

    /// <summary>A loopback port free a moment ago (workspaces share the host's network in the local runtime).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string ReadScript()
    {
        using var stream = typeof(PreviewServer).Assembly.GetManifestResourceStream(FileName)
            ?? throw new InvalidOperationException($"{FileName} is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
