namespace Workspaces.Shared.Reconciliation;

/// <summary>
/// Capped exponential back-off with jitter, the one every retry uses (a failing reconcile, a broken watch, a lost lock),
/// so failures neither hammer what they call nor retry in lockstep: <see cref="Base"/> · 2^(attempt-1), capped at
/// <see cref="Max"/>, then stretched by up to 50 %.
/// </summary>
public readonly record struct Backoff(TimeSpan Base, TimeSpan Max)
{
    /// <summary>For background loops that retry a call: 200 ms, doubling up to 30 s.</summary>
    public static Backoff Default { get; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30));

    /// <summary>The delay before retry number <paramref name="attempt"/> (1 for the first), with random jitter.</summary>
    public TimeSpan Delay(int attempt) => Delay(attempt, Random.Shared.NextDouble());

    /// <summary>
    /// The delay before retry number <paramref name="attempt"/> with a given <paramref name="jitter"/> in [0, 1): a caller
    /// that must compute the same delay again (a restart due at a fixed time) derives it from something stable.
    /// </summary>
    public TimeSpan Delay(int attempt, double jitter)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var raw = Math.Min(Base.TotalMilliseconds * Math.Pow(2, exponent), Max.TotalMilliseconds);
        var stretched = raw * (1 + (Math.Clamp(jitter, 0, 1) * 0.5));
        return TimeSpan.FromMilliseconds(Math.Min(stretched, Max.TotalMilliseconds * 1.5));
    }

    /// <summary>Waits <see cref="Delay(int)"/>; cancellable.</summary>
    public Task WaitAsync(int attempt, TimeProvider timeProvider, CancellationToken cancellationToken) =>
        Task.Delay(Delay(attempt), timeProvider, cancellationToken);
}
