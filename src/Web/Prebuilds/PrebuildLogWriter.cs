using System.Text;
using Workspaces.Data.Prebuilds;

namespace Workspaces.Web.Prebuilds;

/// <summary>
/// Writes one running prebuild's log: text is gathered and stored as a chunk per <see cref="FlushAsync"/> (the runner
/// flushes once per round of the agent's task logs, so a row holds a batch, never a line), with the project's secrets
/// masked. The log keeps at most <c>MaxLogBytes</c>: its first half as written, then a tail that drops its oldest chunks
/// as new ones arrive; readers see the gap as a note of how many bytes were dropped. Not thread-safe: one runner writes.
/// </summary>
public sealed class PrebuildLogWriter : IAsyncDisposable
{
    private const int MaxChunkBytes = 64 * 1024;
    private readonly PrebuildLogs _logs;
    private readonly string _prebuildId;
    private readonly SecretMask _secrets;
    private readonly long _headLimit;
    private readonly long _tailLimit;
    private readonly int _chunkBytes;
    private readonly StringBuilder _pending = new();
    private readonly Queue<(long Offset, int Length)> _tail = new();
    private long _tailBytes;
    private bool _completed;

    internal PrebuildLogWriter(PrebuildLogs logs, string prebuildId, long length, SecretMask secrets, long maxBytes)
    {
        (_logs, _prebuildId, _secrets, Length) = (logs, prebuildId, secrets, length);
        _headLimit = maxBytes / 2;
        _tailLimit = maxBytes - _headLimit;
        // At least a few chunks in the tail, so dropping its oldest keeps most of it.
        _chunkBytes = (int)Math.Min(MaxChunkBytes, _tailLimit / 4);
    }

    /// <summary>How long the log is in bytes, counting what the cap dropped (what is stored, not what waits).</summary>
    public long Length { get; private set; }

    public async Task AppendAsync(string text, CancellationToken cancellationToken)
    {
        _pending.Append(text);
        if (_pending.Length >= _chunkBytes)
        {
            await FlushAsync(cancellationToken);
        }
    }

    /// <summary>Stores what was appended, except the last few characters when they could begin a secret the next text completes.</summary>
    public Task FlushAsync(CancellationToken cancellationToken) => FlushAsync(final: false, cancellationToken);

    /// <summary>Stores everything appended; the writer is done.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(final: true, cancellationToken);
        _completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_completed)
        {
            await CompleteAsync(CancellationToken.None);
        }
    }

    private async Task FlushAsync(bool final, CancellationToken cancellationToken)
    {
        if (_pending.Length == 0)
        {
            return;
        }

        var masked = _secrets.Apply(_pending.ToString());
        var keep = final ? 0 : _secrets.OpenSuffix(masked);
        if (keep > 0 && keep < masked.Length && char.IsHighSurrogate(masked[masked.Length - keep - 1]))
        {
            keep++;
        }

        _pending.Clear().Append(masked, masked.Length - keep, keep);
        if (keep == masked.Length)
        {
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(masked[..^keep]);
        var added = new List<PrebuildLogChunk>();
        var dropped = new List<long>();
        for (var position = 0; position < bytes.Length;)
        {
            var limit = Length < _headLimit ? (int)Math.Min(_chunkBytes, _headLimit - Length) : _chunkBytes;
            var take = bytes.Length - position <= limit ? bytes.Length - position : Utf8.Cut(bytes, position, limit);
            if (take == 0)
            {
                // Less room left in the head than one character: the character goes whole.
                take = Utf8.Cut(bytes, position, 4);
            }

            added.Add(new PrebuildLogChunk { PrebuildId = _prebuildId, Offset = Length, Content = bytes[position..(position + take)] });
            if (Length >= _headLimit)
            {
                _tail.Enqueue((Length, take));
                _tailBytes += take;
            }

            Length += take;
            position += take;
            while (_tailBytes > _tailLimit)
            {
                var oldest = _tail.Dequeue();
                _tailBytes -= oldest.Length;
                if (added.RemoveAll(c => c.Offset == oldest.Offset) == 0)
                {
                    dropped.Add(oldest.Offset);
                }
            }
        }

        await _logs.StoreAsync(_prebuildId, added, dropped, Length, cancellationToken);
    }
}

/// <summary>Cutting UTF-8 bytes between characters.</summary>
internal static class Utf8
{
    public static bool IsContinuation(byte b) => (b & 0xC0) == 0x80;

    /// <summary>The most bytes from <paramref name="start"/>, at most <paramref name="limit"/>, that end on a character boundary.</summary>
    public static int Cut(byte[] bytes, int start, int limit)
    {
        var end = Math.Min(bytes.Length, start + limit);
        while (end > start && end < bytes.Length && IsContinuation(bytes[end]))
        {
            end--;
        }

        return end - start;
    }
}
