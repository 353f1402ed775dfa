using Workspaces.Shared.Threading;

namespace Workspaces.Web.Hosting;

/// <summary>
/// With inline I/O a request starts on the socket thread that read it. The IDE's requests (pages, the API, Blazor's
/// connection) move to the thread pool here and come back to it after every await of their own, so a page render, a
/// password hash or a synchronous SQLite query never holds a socket thread that other connections are waiting on.
/// Endpoints that only forward bytes (<see cref="InlineIo.StaysOnSocketThread"/>) are left where they are.
/// </summary>
public sealed class ThreadPoolIsolationMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.GetEndpoint()?.Metadata.GetMetadata<InlineIo.ForwardsBytesMetadata>() is not null
            ? next(context)
            : RunOnThreadPoolAsync(context);
    }

    // The context is current only while its posted work runs (ThreadPoolSynchronizationContext.Run): nothing to undo here.
    private async Task RunOnThreadPoolAsync(HttpContext context)
    {
        await ThreadPoolSynchronizationContext.Instance.SwitchTo();
        await next(context);
    }
}
