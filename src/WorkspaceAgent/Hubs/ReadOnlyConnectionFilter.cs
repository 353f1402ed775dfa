using Microsoft.AspNetCore.SignalR;
using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceAgent.Hubs;

/// <summary>
/// A connection the web app marked read-only (<see cref="AgentProtocol.AccessHeader"/>: a workspace shared read-only)
/// may call only the hub methods that look: everything else — typing, saving, committing, and any method added later —
/// is refused. An allow-list, so a new method is safe until someone decides it only reads.
/// </summary>
internal sealed class ReadOnlyConnectionFilter : IHubFilter
{
    private static readonly HashSet<string> ReadingMethods = new(StringComparer.Ordinal)
    {
        // Terminals
        "ListTerminals", "Attach", "Acknowledge",
        // Files
        "ListDirectory", "ReadFile", "ReadBytes", "QuickOpen", "Search",
        // Source control
        "Status", "Diff", "Branches",
        // Languages: the server host lets a read-only connection's messages through only for methods that look.
        "Connect", "Deliver", "Servers",
    };

    public static bool IsReadOnly(HubCallerContext context) =>
        string.Equals(context?.GetHttpContext()?.Request.Headers[AgentProtocol.AccessHeader], AgentProtocol.ReadOnlyAccess, StringComparison.Ordinal);

    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        ArgumentNullException.ThrowIfNull(invocationContext);
        ArgumentNullException.ThrowIfNull(next);
        if (IsReadOnly(invocationContext.Context) && !ReadingMethods.Contains(invocationContext.HubMethodName))
        {
            throw new HubException("This workspace is shared with you read-only: you can look, but not type, change files or use source control.");
        }

        return next(invocationContext);
    }
}
