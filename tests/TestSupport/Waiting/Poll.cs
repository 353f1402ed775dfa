namespace Workspaces.TestSupport.Waiting;

/// <summary>Polls a condition with a deadline: for facts no signal announces (a file appearing, a process leaving).</summary>
public static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    /// <exception cref="TimeoutException">Still false after <paramref name="timeout"/>; the message names <paramref name="what"/>.</exception>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(() => Task.FromResult(condition()), timeout, what, cancellationToken);
    }

    /// <exception cref="TimeoutException">Still false after <paramref name="timeout"/>; the message names <paramref name="what"/>.</exception>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        await UntilNotNullAsync(async () => await condition() ? what : null, timeout, what, cancellationToken);
    }

    /// <summary>Polls until <paramref name="probe"/> returns something (not null) and returns it.</summary>
    /// <exception cref="TimeoutException">Still null after <paramref name="timeout"/>; the message names <paramref name="what"/>.</exception>
    public static async Task<T> UntilNotNullAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(probe);
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (TimeProvider.System.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.");
            }

            await Task.Delay(Interval, cancellationToken);
        }
    }
}
