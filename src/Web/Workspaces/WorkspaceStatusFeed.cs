using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Workspaces.Shared.Agent;

namespace Workspaces.Web.Workspaces;

/// <summary>
/// Live changes of workspaces inside this process: pages take a snapshot from the database, then follow this stream.
/// Each subscriber has a small bounded buffer that drops the oldest change: a change only says "look again", so a slow
/// page loses nothing by missing one.
/// </summary>
public sealed class WorkspaceStatusFeed
{
    private readonly ConcurrentDictionary<string, AgentStatus> _agentStatus = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Channel<WorkspaceChange>, Func<WorkspaceChange, bool>> _subscribers = new();

    /// <summary>The agent's last reported status, while its workspace runs.</summary>
    public AgentStatus? GetAgentStatus(string workspaceId) => _agentStatus.GetValueOrDefault(workspaceId);

    public void PublishAgentStatus(string workspaceId, string ownerId, AgentStatus status)
    {
        _agentStatus[workspaceId] = status;
        Publish(new WorkspaceChange(workspaceId, ownerId, WorkspaceChangeKind.AgentStatus));
    }

    public void PublishUpdated(string workspaceId, string ownerId) => Publish(new WorkspaceChange(workspaceId, ownerId, WorkspaceChangeKind.Updated));

    public void PublishRemoved(string workspaceId, string ownerId)
    {
        _agentStatus.TryRemove(workspaceId, out _);
        Publish(new WorkspaceChange(workspaceId, ownerId, WorkspaceChangeKind.Removed));
    }

    public void ForgetAgentStatus(string workspaceId) => _agentStatus.TryRemove(workspaceId, out _);

    public async IAsyncEnumerable<WorkspaceChange> SubscribeAsync(Func<WorkspaceChange, bool> filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<WorkspaceChange>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        _subscribers[channel] = filter;
        try
        {
            await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return change;
            }
        }
        finally
        {
            _subscribers.TryRemove(channel, out _);
        }
    }

    private void Publish(WorkspaceChange change)
    {
        foreach (var (channel, filter) in _subscribers)
        {
            if (filter(change))
            {
                channel.Writer.TryWrite(change);
            }
        }
    }
}

public enum WorkspaceChangeKind
{
    /// <summary>The database record changed (desired state, phase, error).</summary>
    Updated,

    /// <summary>The agent reported progress; see <see cref="WorkspaceStatusFeed.GetAgentStatus"/>.</summary>
    AgentStatus,

    Removed,
}

public sealed record WorkspaceChange(string WorkspaceId, string OwnerId, WorkspaceChangeKind Kind);
