using Microsoft.Extensions.Time.Testing;
using Workspaces.Shared.Reconciliation;

namespace Workspaces.Shared.Tests.Reconciliation;

public sealed class WorkQueueTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Add_SameKeyTwice_IsHandedOutOnce()
    {
        using var queue = new WorkQueue(new FakeTimeProvider(), new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)));

        queue.Add("a");
        queue.Add("a");
        queue.Add("b");

        Assert.Equal("a", await queue.TakeAsync(CancellationToken.None).WaitAsync(Wait));
        Assert.Equal("b", await queue.TakeAsync(CancellationToken.None).WaitAsync(Wait));
        Assert.Equal(0, queue.Length);
    }

    [Fact]
    public async Task Add_WhileProcessing_IsHandedOutAgainOnlyAfterDone()
    {
        using var queue = new WorkQueue(new FakeTimeProvider(), new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)));
        queue.Add("a");
        var key = await queue.TakeAsync(CancellationToken.None).WaitAsync(Wait);

        queue.Add("a");
        var second = queue.TakeAsync(CancellationToken.None);

        // Nothing else can hand it out: a key reaches a taker only through Add or Done, both synchronous.
        Assert.False(second.IsCompleted);
        Assert.Equal(0, queue.Length);

        queue.Done(key);
        Assert.Equal("a", await second.WaitAsync(Wait));
    }

    [Fact]
    public async Task AddRateLimited_RepeatedFailures_BacksOffExponentiallyUpToTheCap()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue(time, new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10)));

        var delays = Enumerable.Range(0, 8).Select(_ => queue.AddRateLimited("a")).ToList();

        Assert.InRange(delays[0].TotalSeconds, 1, 1.5);
        Assert.InRange(delays[1].TotalSeconds, 2, 3);
        Assert.InRange(delays[2].TotalSeconds, 4, 6);
        Assert.All(delays.Skip(4), d => Assert.InRange(d.TotalSeconds, 10, 15));
        queue.Forget("a");
        Assert.InRange(queue.AddRateLimited("a").TotalSeconds, 1, 1.5);

        var take = queue.TakeAsync(CancellationToken.None);
        Assert.False(take.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("a", await take.WaitAsync(Wait));
    }
}
