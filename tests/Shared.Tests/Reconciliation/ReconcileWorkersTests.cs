using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Workspaces.Shared.Reconciliation;

namespace Workspaces.Shared.Tests.Reconciliation;

public sealed class ReconcileWorkersTests : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TimerSignallingTimeProvider _time = new();
    private readonly WorkQueue _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<string> _passes = Channel.CreateUnbounded<string>();
    private readonly Channel<(string Key, Exception Error, TimeSpan? RetryIn)> _failures = Channel.CreateUnbounded<(string, Exception, TimeSpan?)>();
    private Task _workers = Task.CompletedTask;

    public ReconcileWorkersTests()
    {
        _queue = new WorkQueue(_time, new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task RunAsync_KeyAdded_IsReconciledOnce()
    {
        Start(FailedKeys.RetryWithBackoff, (_, _) => Task.FromResult(ReconcileResult.Done));

        _queue.Add("a");

        Assert.Equal("a", await NextPassAsync());
        Assert.Equal(0, _queue.Length);
    }

    [Fact]
    public async Task RunAsync_ResultAsksForARequeue_ReconcilesAgainOnlyWhenThatTimeHasCome()
    {
        var passes = 0;
        Start(FailedKeys.RetryWithBackoff, (_, _) => Task.FromResult(Interlocked.Increment(ref passes) == 1 ? ReconcileResult.After(TimeSpan.FromMinutes(1)) : ReconcileResult.Done));

        _queue.Add("a");
        await NextPassAsync();
        await _time.TimerCreated.WaitAsync(Wait);
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(_passes.Reader.TryRead(out _));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("a", await NextPassAsync());
    }

    [Fact]
    public async Task RunAsync_RetryWithBackoff_FailedKeyComesBackAfterItsBackoff()
    {
        var failure = await FirstPassFailsAsync(FailedKeys.RetryWithBackoff, "API server down");

        Assert.Equal("a", failure.Key);
        Assert.Equal("API server down", failure.Error.Message);
        Assert.InRange(failure.RetryIn!.Value.TotalSeconds, 1, 1.5);
        _time.Advance(TimeSpan.FromSeconds(1.5));

        Assert.Equal("a", await NextPassAsync());
    }

    [Fact]
    public async Task RunAsync_LeaveToResync_FailedKeyIsNotRetriedUntilAddedAgain()
    {
        var failure = await FirstPassFailsAsync(FailedKeys.LeaveToResync, "database down");

        Assert.Null(failure.RetryIn);
        _time.Advance(TimeSpan.FromHours(1));
        Assert.False(_passes.Reader.TryRead(out _));
        Assert.Equal(0, _queue.Length);

        _queue.Add("a");
        Assert.Equal("a", await NextPassAsync());
    }

    [Fact]
    public async Task RunAsync_KeyAddedDuringItsPass_IsNotReconciledTwiceAtOnceButOnceMoreAfter()
    {
        var inPass = 0;
        var overlapped = false;
        var firstPass = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Start(FailedKeys.RetryWithBackoff, async (_, ct) =>
        {
            overlapped |= Interlocked.Increment(ref inPass) > 1;
            firstPass.TrySetResult();
            await release.Task.WaitAsync(ct);
            Interlocked.Decrement(ref inPass);
            return ReconcileResult.Done;
        }, workers: 4);

        _queue.Add("a");
        await firstPass.Task.WaitAsync(Wait);
        _queue.Add("a");
        _queue.Add("a");
        Assert.Equal(0, _queue.Length);
        release.SetResult();

        await NextPassAsync();
        Assert.Equal("a", await NextPassAsync());
        Assert.False(overlapped);
    }

    [Fact]
    public async Task RunAsync_Cancelled_WorkersEnd()
    {
        Start(FailedKeys.RetryWithBackoff, (_, _) => Task.FromResult(ReconcileResult.Done), workers: 3);

        await _stop.CancelAsync();

        await _workers.WaitAsync(Wait);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _workers.WaitAsync(Wait);
        _queue.Dispose();
        _stop.Dispose();
    }

    private void Start(FailedKeys onFailure, Func<string, CancellationToken, Task<ReconcileResult>> reconcile, int workers = 2)
    {
        _workers = ReconcileWorkers.RunAsync(
            _queue,
            workers,
            (key, ct) =>
            {
                _passes.Writer.TryWrite(key);
                return reconcile(key, ct);
            },
            onFailure,
            (key, error, retryIn) => _failures.Writer.TryWrite((key, error, retryIn)),
            _stop.Token);
    }

    /// <summary>Starts workers whose first pass over "a" throws <paramref name="error"/> and later ones succeed; returns the failure.</summary>
    private async Task<(string Key, Exception Error, TimeSpan? RetryIn)> FirstPassFailsAsync(FailedKeys onFailure, string error)
    {
        var passes = 0;
        Start(onFailure, (_, _) => Interlocked.Increment(ref passes) == 1 ? throw new InvalidOperationException(error) : Task.FromResult(ReconcileResult.Done));
        _queue.Add("a");
        await NextPassAsync();
        return await _failures.Reader.ReadAsync().AsTask().WaitAsync(Wait);
    }

    private async Task<string> NextPassAsync() => await _passes.Reader.ReadAsync().AsTask().WaitAsync(Wait);

    /// <summary>A fake clock that says when a timer was set, so a test advances it only once the requeue is scheduled.</summary>
    private sealed class TimerSignallingTimeProvider : FakeTimeProvider
    {
        public SemaphoreSlim TimerCreated { get; } = new(0);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            TimerCreated.Release();
            return timer;
        }
    }
}
