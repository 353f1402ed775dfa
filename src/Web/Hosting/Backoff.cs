namespace Workspaces.Web.Hosting;

/// <summary>Capped exponential back-off with jitter for background loops.</summary>
public static class Backoff
{
    public static TimeSpan For(int attempt, TimeSpan? cap = null)
    {
        var max = cap ?? TimeSpan.FromSeconds(30);
        var exponential = TimeSpan.FromMilliseconds(200 * Math.Pow(2, Math.Min(attempt, 10)));
        var capped = exponential < max ? exponential : max;
        return capped * (0.5 + (Random.Shared.NextDouble() / 2));
    }

    public static Task DelayAsync(int attempt, TimeProvider timeProvider, CancellationToken cancellationToken) =>
        Task.Delay(For(attempt), timeProvider, cancellationToken);
}
