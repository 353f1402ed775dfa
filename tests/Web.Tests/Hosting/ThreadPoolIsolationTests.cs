using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Workspaces.Shared.Threading;
using Workspaces.Web.Hosting;

namespace Workspaces.Web.Tests.Hosting;

/// <summary>
/// With inline socket I/O, the IDE's own requests must not run on the socket threads that carry everyone's terminal
/// bytes: a slow page or query would freeze other users' terminals.
/// </summary>
public sealed class ThreadPoolIsolationTests
{
    [Fact]
    public async Task IdeRequest_RunsOnTheThreadPoolAndComesBackToItAfterEachAwait()
    {
        var seen = new List<(bool Pool, SynchronizationContext? Context)>();
        var middleware = new ThreadPoolIsolationMiddleware(async _ =>
        {
            seen.Add((Thread.CurrentThread.IsThreadPoolThread, SynchronizationContext.Current));
            await SocketLikeCompletion();
            seen.Add((Thread.CurrentThread.IsThreadPoolThread, SynchronizationContext.Current));
        });

        await RunOnDedicatedThreadAsync(() => middleware.InvokeAsync(ContextFor(endpoint: new Endpoint(null, EndpointMetadataCollection.Empty, "page"))));

        Assert.Equal(2, seen.Count);
        Assert.All(seen, s =>
        {
            Assert.True(s.Pool);
            Assert.Same(ThreadPoolSynchronizationContext.Instance, s.Context);
        });
    }

    [Fact]
    public async Task AgentForwarding_StaysOnTheThreadThatReadIt()
    {
        Thread? ran = null;
        var middleware = new ThreadPoolIsolationMiddleware(_ =>
        {
            ran = Thread.CurrentThread;
            return Task.CompletedTask;
        });
        var forwarding = new Endpoint(null, new EndpointMetadataCollection(InlineIo.ForwardsBytesMetadata.Instance), "agent");

        var caller = await RunOnDedicatedThreadAsync(() => middleware.InvokeAsync(ContextFor(forwarding)));

        Assert.Same(caller, ran);
    }

    private static DefaultHttpContext ContextFor(Endpoint endpoint)
    {
        var context = new DefaultHttpContext();
        context.SetEndpoint(endpoint);
        return context;
    }

    /// <summary>Completes on a thread of its own, as a socket thread completes a read.</summary>
    private static Task SocketLikeCompletion()
    {
        var completion = new TaskCompletionSource();
        new Thread(() => completion.SetResult()) { IsBackground = true }.Start();
        return completion.Task;
    }

    /// <summary>Runs <paramref name="action"/> on a thread that is not a thread-pool thread (a socket thread's stand-in).</summary>
    private static async Task<Thread> RunOnDedicatedThreadAsync(Func<Task> action)
    {
        Task? started = null;
        var thread = new Thread(() => started = action()) { IsBackground = true };
        thread.Start();
        thread.Join();
        await started!;
        return thread;
    }
}
