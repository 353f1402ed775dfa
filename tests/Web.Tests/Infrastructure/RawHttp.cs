using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Workspaces.Web.Tests.Infrastructure;

/// <summary>
/// An HTTP/1.x request written byte for byte on a fresh TCP connection, for what HttpClient would refuse or normalise
/// (an empty or malformed Host, none at all on HTTP/1.0, raw UTF-8, odd header spellings). Reads the answer to the end
/// of the connection (the request should say <c>Connection: close</c>, or be HTTP/1.0).
/// </summary>
public static class RawHttp
{
    public sealed record Answer(int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, string Body)
    {
        public string? Header(string name) => Headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

        public IEnumerable<string> All(string name) => Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

        public override string ToString() => $"{Status} {string.Join(", ", Headers.Select(h => $"{h.Key}: {h.Value}"))} {Body}";
    }

    public static async Task<Answer> SendAsync(int port, string request, CancellationToken cancellationToken = default) =>
        await SendAsync(port, Encoding.UTF8.GetBytes(request), cancellationToken);

    public static async Task<Answer> SendAsync(int port, byte[] request, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(request, timeout.Token);
        using var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received, timeout.Token);
        }
        catch (IOException) when (received.Length > 0)
        {
            // A reset after the answer (the server closed with unread bytes): the answer is what counts.
        }

        return Parse(Encoding.UTF8.GetString(received.ToArray()));
    }

    private static Answer Parse(string text)
    {
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = end < 0 ? text : text[..end];
        var lines = head.Split("\r\n");
        var statusLine = lines[0].Split(' ', 3);
        if (statusLine.Length < 2 || !int.TryParse(statusLine[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            throw new InvalidOperationException($"Not an HTTP answer: '{text}'");
        }

        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2).Select(p => KeyValuePair.Create(p[0].Trim(), p[1].Trim())).ToList();
        return new Answer(status, headers, end < 0 ? "" : text[(end + 4)..]);
    }
}
