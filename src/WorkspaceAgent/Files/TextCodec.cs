using System.Security.Cryptography;
using System.Text;

namespace Workspaces.WorkspaceAgent.Files;

/// <summary>
/// Decides whether bytes are text, in which encoding (BOM or not) and with which line endings, and writes edited text
/// back the same way: a file opened and saved unchanged is the same bytes.
/// </summary>
public static class TextCodec
{
    public const string Utf8 = "utf-8";
    public const string Utf16LittleEndian = "utf-16le";
    public const string Utf16BigEndian = "utf-16be";
    public const string Latin1 = "iso-8859-1";

    private const int SniffBytes = 8192;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly UnicodeEncoding StrictUtf16Le = new(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true);
    private static readonly UnicodeEncoding StrictUtf16Be = new(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true);
    private static readonly Encoding StrictLatin1 = Encoding.GetEncoding(28591, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);

    /// <summary>The text of <paramref name="bytes"/>, or null (with encoding "binary") when they are not text.</summary>
    public static DecodedText Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return TryDecode(bytes[3..], StrictUtf8, Utf8, bom: true);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) && !bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE, 0x00, 0x00]))
        {
            return TryDecode(bytes[2..], StrictUtf16Le, Utf16LittleEndian, bom: true);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return TryDecode(bytes[2..], StrictUtf16Be, Utf16BigEndian, bom: true);
        }

        var head = bytes[..Math.Min(bytes.Length, SniffBytes)];
        if (head.Contains((byte)0))
        {
            return DecodedText.Binary;
        }

        var utf8 = TryDecode(bytes, StrictUtf8, Utf8, bom: false);
        if (utf8.Text is not null)
        {
            return utf8;
        }

        // Not UTF-8: legacy 8-bit text (Latin-1 keeps every byte) unless it is mostly control characters.
        var controls = 0;
        foreach (var b in head)
        {
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0C or 0x1B))
            {
                controls++;
            }
        }

        return controls * 10 > head.Length ? DecodedText.Binary : TryDecode(bytes, StrictLatin1, Latin1, bom: false);
    }

    /// <summary>The bytes of <paramref name="text"/> in <paramref name="encoding"/>, with its BOM if <paramref name="bom"/>.</summary>
    /// <exception cref="FileOperationException">The encoding is unknown or cannot represent some character.</exception>
    public static byte[] Encode(string text, string encoding, bool bom)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (codec, preamble) = encoding switch
        {
            Utf8 => ((Encoding)StrictUtf8, (byte[])[0xEF, 0xBB, 0xBF]),
            Utf16LittleEndian => (StrictUtf16Le, [0xFF, 0xFE]),
            Utf16BigEndian => (StrictUtf16Be, [0xFE, 0xFF]),
            Latin1 => (StrictLatin1, []),
            _ => throw new FileOperationException($"Unknown encoding '{encoding}'."),
        };
        try
        {
            var body = codec.GetBytes(text);
            if (!bom || preamble.Length == 0)
            {
                return body;
            }

            var bytes = new byte[preamble.Length + body.Length];
            preamble.CopyTo(bytes, 0);
            body.CopyTo(bytes, preamble.Length);
            return bytes;
        }
        catch (EncoderFallbackException ex)
        {
            throw new FileOperationException($"The text contains characters that {encoding} cannot store.", ex);
        }
    }

    /// <summary>CRLF when more lines end with it than with a bare LF.</summary>
    public static string LineEnding(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var span = text.AsSpan();
        int crlf = 0, lf = 0;
        for (var i = span.IndexOf('\n'); i >= 0; i = span.IndexOf('\n'))
        {
            if (i > 0 && span[i - 1] == '\r')
            {
                crlf++;
            }
            else
            {
                lf++;
            }

            span = span[(i + 1)..];
        }

        return crlf > lf ? "CRLF" : "LF";
    }

    /// <summary>The version of some content: its hash, so any change, of any size at any time, makes a new one.</summary>
    public static string Version(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 16));

    private static DecodedText TryDecode(ReadOnlySpan<byte> bytes, Encoding encoding, string name, bool bom)
    {
        try
        {
            return new DecodedText(encoding.GetString(bytes), name, bom);
        }
        catch (DecoderFallbackException)
        {
            return DecodedText.Binary;
        }
    }
}

/// <param name="Text">Null when the bytes are not text.</param>
public sealed record DecodedText(string? Text, string Encoding, bool Bom)
{
    public static readonly DecodedText Binary = new(null, "binary", false);

    public static readonly DecodedText Empty = new(string.Empty, TextCodec.Utf8, false);
}
