namespace Workspaces.WorkspaceAgent.Terminals;

public sealed class TerminalOptions
{
    /// <summary>Output kept per terminal for clients that attach (or re-attach) later.</summary>
    public int ScrollbackBytes { get; set; } = 1024 * 1024;

    /// <summary>How far (unacknowledged bytes) an attached client may fall behind before the PTY is no longer read.</summary>
    public int HighWatermarkBytes { get; set; } = 512 * 1024;

    /// <summary>How long a closed terminal's processes get after SIGHUP before they are killed.</summary>
    public TimeSpan CloseGracePeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The shell for new terminals; null for the workspace's <c>$SHELL</c>, else bash, else sh.</summary>
    public string? Shell { get; set; }

    /// <summary>Throws, naming the setting, when the options cannot work together.</summary>
    public void Validate()
    {
        if (HighWatermarkBytes < Terminal.MaxFrameBytes)
        {
            throw new InvalidOperationException($"{nameof(HighWatermarkBytes)} must be at least {Terminal.MaxFrameBytes}.");
        }

        // An attached client must never lose output it has not acknowledged: the scrollback keeps the window, the read
        // that went over it, and the partly dropped oldest segment.
        var minimum = (long)HighWatermarkBytes + Native.PtyReactor.ReadBufferSize + (2 * ScrollbackRing.SegmentSize);
        if (ScrollbackBytes < minimum)
        {
            throw new InvalidOperationException($"{nameof(ScrollbackBytes)} must be at least {minimum} ({nameof(HighWatermarkBytes)} + 96 KiB).");
        }

        if (CloseGracePeriod < TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{nameof(CloseGracePeriod)} must not be negative.");
        }
    }
}
