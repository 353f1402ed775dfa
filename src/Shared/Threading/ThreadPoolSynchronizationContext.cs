using System.Runtime.CompilerServices;

namespace Workspaces.Shared.Threading;

/// <summary>
/// Continuations of code that runs under it go to the thread pool, never inline on the thread that completed the
/// awaited operation. The web app runs socket completions inline on the socket threads (for the bytes it forwards);
/// its own request handling and background loops run under this context so that their work (queries, rendering,
/// hashing) never holds a socket thread.
/// </summary>
public sealed class ThreadPoolSynchronizationContext : SynchronizationContext
{
    public static readonly ThreadPoolSynchronizationContext Instance = new();

    private ThreadPoolSynchronizationContext()
    {
    }

    public override void Post(SendOrPostCallback d, object? state) =>
        ThreadPool.UnsafeQueueUserWorkItem(static work => work.Context.Run(work.Callback, work.State), new Work(this, d, state), preferLocal: false);

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>An awaitable that continues on the thread pool with this context current.</summary>
    public SwitchAwaitable SwitchTo() => new(this);

    private void Run(SendOrPostCallback callback, object? state)
    {
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            callback(state);
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    private sealed record Work(ThreadPoolSynchronizationContext Context, SendOrPostCallback Callback, object? State);

    public readonly struct SwitchAwaitable(ThreadPoolSynchronizationContext context) : ICriticalNotifyCompletion
    {
        public SwitchAwaitable GetAwaiter() => this;

        public bool IsCompleted => false;

        public void GetResult()
        {
        }

        public void OnCompleted(Action continuation) => context.Post(static c => ((Action)c!)(), continuation);

        public void UnsafeOnCompleted(Action continuation) => OnCompleted(continuation);
    }
}
