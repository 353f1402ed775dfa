namespace Workspaces.WorkspaceAgent.Terminals;

/// <summary>
/// A terminal's recent output addressed by absolute byte offsets (since the terminal started). Held in fixed-size
/// segments allocated as output arrives (an idle terminal costs one segment); once over capacity the oldest segment is
/// dropped and its array reused, so <see cref="Start"/> moves forward a segment at a time. Not thread-safe.
/// </summary>
internal sealed class ScrollbackRing
{
    public const int SegmentSize = 16 * 1024;

    private readonly byte[]?[] _slots;
    private int _head;
    private int _count;

    public ScrollbackRing(int capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, 2 * SegmentSize);
        _slots = new byte[capacityBytes / SegmentSize][];
    }

    /// <summary>The oldest offset still held.</summary>
    public long Start { get; private set; }

    /// <summary>The offset the next byte written gets: everything the terminal ever printed.</summary>
    public long End { get; private set; }

    public void Write(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var used = (int)(End % SegmentSize);
            if (used == 0)
            {
                AddSegment();
            }

            var segment = _slots[(_head + _count - 1) % _slots.Length]!;
            var length = Math.Min(SegmentSize - used, data.Length);
            data[..length].CopyTo(segment.AsSpan(used));
            End += length;
            data = data[length..];
        }
    }

    /// <summary>Copies up to <paramref name="maxBytes"/> from <paramref name="offset"/> (at least <see cref="Start"/>).</summary>
    public byte[] Read(long offset, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(offset, Start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, End);
        var result = new byte[(int)Math.Min(maxBytes, End - offset)];
        var copied = 0;
        while (copied < result.Length)
        {
            var relative = offset + copied - Start;
            var segment = _slots[(_head + (int)(relative / SegmentSize)) % _slots.Length]!;
            var within = (int)(relative % SegmentSize);
            var length = Math.Min(SegmentSize - within, result.Length - copied);
            segment.AsSpan(within, length).CopyTo(result.AsSpan(copied));
            copied += length;
        }

        return result;
    }

    private void AddSegment()
    {
        byte[]? reused = null;
        if (_count == _slots.Length)
        {
            reused = _slots[_head];
            _slots[_head] = null;
            _head = (_head + 1) % _slots.Length;
            _count--;
            Start += SegmentSize;
        }

        _slots[(_head + _count) % _slots.Length] = reused ?? new byte[SegmentSize];
        _count++;
    }
}
