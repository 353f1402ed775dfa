using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Workspaces.Web.Tests.Infrastructure;

/// <summary>
/// An HTTP/1.x request written byte for byte on a fresh TCP connection, for what HttpClient would refuse or normalise
/// (an empty or malformed Host, none at all on HTTP/1.0, raw UTF-8, odd header spellings). Reads one answer: to its
/// Content-Length, its last chunk, the end of a 101's headers, or else the end of the connection.
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
        var buffer = new byte[16384];
        try
        {
            while (!IsComplete(received.ToArray()))
            {
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                received.Write(buffer, 0, read);
            }
        }
        catch (IOException) when (received.Length > 0)
        {
            // A reset after the answer (the server closed with unread bytes): the answer is what counts.
        }

        return Parse(Encoding.UTF8.GetString(received.ToArray()));
    }

    /// <summary>Whether the bytes hold a whole answer: headers and a body as long as they say (a 101 ends at its headers).</summary>
    private static bool IsComplete(byte[] bytes)
    {
        var text = Encoding.Latin1.GetString(bytes);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        var answer = Parse(text);
        var body = bytes.Length - (end + 4);
        if (answer.Status is 101 or 204 or 304)
        {
            return true;
        }

        if (answer.Header("Content-Length") is { } length)
        {
            return body >= int.Parse(length, CultureInfo.InvariantCulture);
        }

        return answer.Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true
            && text.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
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
