using System.Buffers;
using System.Globalization;
using System.Text;

namespace Workspaces.WorkspaceAgent.Languages;

/// <summary>A server broke the protocol: a header that is not LSP's, or a message above the size limit.</summary>
public sealed class LspProtocolException(string message) : Exception(message);

/// <summary>
/// The base protocol's framing: <c>Content-Length: n\r\n\r\n</c> followed by n bytes of JSON. Reads block: the reader
/// has a thread of its own (<see cref="LanguageServerProcess"/>), because an asynchronous read of a pipe queues each
/// read to the thread pool, and servers write a header and its body apart, so one message cost two hand-overs.
/// </summary>
public sealed class LspFrameReader(Stream input, int maxMessageBytes)
{
    private const int MaxHeaderBytes = 4096;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    /// <summary>The next message's body, or null at the end of the stream.</summary>
    public byte[]? Read()
    {
        var length = -1;
        while (true)
        {
            var line = ReadHeaderLine();
            if (line is null)
            {
                return null;
            }

            if (line.Length == 0)
            {
                if (length < 0)
                {
                    throw new LspProtocolException("a message without Content-Length");
                }

                break;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new LspProtocolException($"a header line that is not \"Name: value\" ({Printable(line)})");
            }

            if (line.AsSpan(0, colon).Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (!long.TryParse(line.AsSpan(colon + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var declared) || declared < 0)
                {
                    throw new LspProtocolException($"an invalid Content-Length ({Printable(line)})");
                }

                if (declared > maxMessageBytes)
                {
                    throw new LspProtocolException($"a message of {declared:N0} bytes, above the limit of {maxMessageBytes:N0}");
                }

                length = (int)declared;
            }
        }

        var body = new byte[length];
        var copied = Math.Min(length, _end - _start);
        _buffer.AsSpan(_start, copied).CopyTo(body);
        _start += copied;
        if (copied < length)
        {
            input.ReadExactly(body.AsSpan(copied));
        }

        return body;
    }

    private string? ReadHeaderLine()
    {
        var scanned = 0;
        while (true)
        {
            var newline = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var lineEnd = _start + scanned + newline;
                var text = Encoding.ASCII.GetString(_buffer, _start, lineEnd - _start).TrimEnd('\r');
                _start = lineEnd + 1;
                return text;
            }

            scanned = _end - _start;
            if (scanned >= MaxHeaderBytes)
            {
                throw new LspProtocolException($"{scanned:N0} bytes without a line break where a header was expected ({Printable(Encoding.ASCII.GetString(_buffer, _start, 40))}…)");
            }

            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            var read = input.Read(_buffer.AsSpan(_end));
            if (read == 0)
            {
                return null;
            }

            _end += read;
        }
    }

    private static string Printable(string text) =>
        new(text.Take(60).Select(c => char.IsControl(c) || c > '~' ? '?' : c).ToArray());
}

public static class LspFrameWriter
{
    /// <summary>Writes one framed message and flushes.</summary>
    public static async Task WriteAsync(Stream output, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n\r\n"));
        var frame = ArrayPool<byte>.Shared.Rent(header.Length + body.Length);
        try
        {
            header.CopyTo(frame, 0);
            body.Span.CopyTo(frame.AsSpan(header.Length));
            await output.WriteAsync(frame.AsMemory(0, header.Length + body.Length), cancellationToken);
            await output.FlushAsync(cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }
}
