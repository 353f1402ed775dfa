using Workspaces.WorkspaceAgent.Terminals;

namespace Workspaces.WorkspaceAgent.Tests.Terminals;

public sealed class ScrollbackRingTests
{
    private const int Segment = ScrollbackRing.SegmentSize;

    [Fact]
    public void Read_AcrossSegments_ReturnsExactlyWhatWasWritten()
    {
        var ring = new ScrollbackRing(4 * Segment);
        var data = Pattern(0, (2 * Segment) + 100);

        ring.Write(data.AsSpan(0, 10));
        ring.Write(data.AsSpan(10));

        Assert.Equal((0, data.Length), (ring.Start, ring.End));
        Assert.Equal(data, ring.Read(0, int.MaxValue));
        Assert.Equal(data.AsSpan(Segment - 5, 20).ToArray(), ring.Read(Segment - 5, 20));
        Assert.Empty(ring.Read(data.Length, 100));
    }

    [Fact]
    public void Write_BeyondCapacity_DropsTheOldestSegmentAndKeepsOffsets()
    {
        var ring = new ScrollbackRing(3 * Segment);

        ring.Write(Pattern(0, (4 * Segment) + 7));

        Assert.Equal(2 * Segment, ring.Start);
        Assert.Equal((4 * Segment) + 7, ring.End);
        Assert.Equal(Pattern(2 * Segment, (2 * Segment) + 7), ring.Read(ring.Start, int.MaxValue));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.Read(Segment, 1));
    }

    [Fact]
    public void Validate_ScrollbackSmallerThanTheWindow_NamesTheSetting()
    {
        var options = new TerminalOptions { ScrollbackBytes = 256 * 1024, HighWatermarkBytes = 256 * 1024 };

        var error = Assert.Throws<InvalidOperationException>(options.Validate);

        Assert.Contains(nameof(TerminalOptions.ScrollbackBytes), error.Message, StringComparison.Ordinal);
        new TerminalOptions().Validate();
    }

    /// <summary>Bytes whose value depends on their absolute offset, so a misplaced copy shows.</summary>
    private static byte[] Pattern(long offset, int length) =>
        [.. Enumerable.Range(0, length).Select(index => (byte)((offset + index) % 251))];
}
