namespace Workspaces.Shared.Prebuilds;

/// <summary>
/// Cancels a transfer that stands still for longer than its limit, however long the whole transfer takes: an object
/// store that accepts the connection and then goes silent fails the restore (the workspace clones instead) or the
/// upload, rather than holding it forever. Every read through <see cref="Watch"/> restarts the limit.
/// </summary>
internal sealed class StallWatchdog : IDisposable
{
    private readonly TimeSpan _limit;
    private readonly CancellationTokenSource _stalled;
    private readonly CancellationTokenSource _linked;

    public StallWatchdog(TimeSpan limit, CancellationToken cancellationToken)
    {
        _limit = limit;
        _stalled = new CancellationTokenSource(limit);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stalled.Token);
    }

    public CancellationToken Token => _linked.Token;

    /// <summary>True when the limit, not the caller, cancelled the transfer.</summary>
    public bool Stalled => _stalled.IsCancellationRequested;

    public Stream Watch(Stream inner) => new WatchedStream(inner, this);

    public void Dispose()
    {
        _linked.Dispose();
        _stalled.Dispose();
    }

    private void Kick()
    {
        if (!_stalled.IsCancellationRequested)
        {
            _stalled.CancelAfter(_limit);
        }
    }

    /// <summary>A read-only pass-through that tells the watchdog about every read.</summary>
    private sealed class WatchedStream(Stream inner, StallWatchdog watchdog) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            watchdog.Kick();
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            watchdog.Kick();
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
