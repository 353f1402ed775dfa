using Workspaces.Shared.Reconciliation;

namespace Workspaces.Shared.Tests.Reconciliation;

public sealed class BackoffTests
{
    private static readonly Backoff OneToTen = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));

    public static TheoryData<int, double, double> Attempts => new()
    {
        // attempt, jitter, expected seconds
        { 0, 0, 1 },
        { 1, 0, 1 },
        { 2, 0, 2 },
        { 3, 0, 4 },
        { 4, 0, 8 },
        { 5, 0, 10 },
        { 60, 0, 10 },
        { 1, 0.5, 1.25 },
        { 3, 0.999, 5.998 },
        { 60, 0.999, 14.995 },
    };

    [Theory]
    [MemberData(nameof(Attempts))]
    public void Delay_AttemptAndJitter_DoublesUpToTheCapThenStretchesByAtMostHalf(int attempt, double jitter, double expectedSeconds)
    {
        Assert.Equal(expectedSeconds, OneToTen.Delay(attempt, jitter).TotalSeconds, 3);
    }

    [Fact]
    public void Delay_RandomJitter_StaysWithinOneAndOneAndAHalfOfTheCappedDelay()
    {
        var delays = Enumerable.Range(0, 200).Select(_ => OneToTen.Delay(2)).ToList();

        Assert.All(delays, d => Assert.InRange(d.TotalSeconds, 2, 3));
        Assert.True(delays.Distinct().Count() > 1, "retries of many keys do not line up");
    }

    [Fact]
    public void Default_FirstRetry_IsAFifthOfASecondAndNeverMoreThanFortyFiveSeconds()
    {
        Assert.InRange(Backoff.Default.Delay(1).TotalMilliseconds, 200, 300);
        Assert.InRange(Backoff.Default.Delay(1000).TotalSeconds, 30, 45);
    }
}
