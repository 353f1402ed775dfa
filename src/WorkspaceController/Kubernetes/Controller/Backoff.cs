namespace Workspaces.WorkspaceController.Kubernetes.Controller;

/// <summary>Capped exponential back-off with jitter, so failing workspaces neither hammer the API server nor retry in lockstep.</summary>
public static class Backoff
{
    /// <summary><paramref name="baseDelay"/> · 2^(attempt-1), capped at <paramref name="max"/>, then stretched by up to 50 % at random.</summary>
    public static TimeSpan Jittered(TimeSpan baseDelay, TimeSpan max, int attempt)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var raw = Math.Min(baseDelay.TotalMilliseconds * Math.Pow(2, exponent), max.TotalMilliseconds);
        var jittered = raw * (1 + (Random.Shared.NextDouble() * 0.5));
        return TimeSpan.FromMilliseconds(Math.Min(jittered, max.TotalMilliseconds * 1.5));
    }
}
