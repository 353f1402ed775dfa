using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.AspNetCore.SignalR;

namespace Workspaces.WorkspaceAgent.Hubs;

/// <summary>
/// Without dynamic code (the native agent) SignalR calls hub methods through reflection, which wraps what they throw in a
/// <see cref="TargetInvocationException"/>; SignalR then no longer sees the <see cref="HubException"/> whose message is
/// meant for the client ("There is no terminal …") and sends a generic error instead. This rethrows the original.
/// </summary>
internal sealed class UnwrapInvocationExceptionsFilter : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            return await next(invocationContext);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }
}
