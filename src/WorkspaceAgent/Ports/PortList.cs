using System.Globalization;
using System.Net;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;

namespace Workspaces.WorkspaceAgent.Ports;

/// <summary>What the user sees of the workspace's ports: the listening ones with their declared attributes, then the declared ones nothing listens on yet.</summary>
public static class PortList
{
    public static IReadOnlyList<WorkspacePort> Build(IEnumerable<ListeningSocket> listening, WorkspaceConfig config)
    {
        ArgumentNullException.ThrowIfNull(listening);
        ArgumentNullException.ThrowIfNull(config);
        var byPort = new SortedDictionary<int, WorkspacePort>();
        foreach (var group in listening.GroupBy(s => s.Port))
        {
            var declared = config.FindPort(group.Key);
            var addresses = group.Select(s => Format(s.Address)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            byPort[group.Key] = new WorkspacePort(group.Key, declared?.Name, declared?.OnOpen ?? PortOnOpen.Notify, declared?.Visibility ?? PortVisibility.Private, true, addresses);
        }

        // Ranges are not listed until something listens in them: a range of a thousand ports is not a thousand rows.
        foreach (var declared in config.Ports.Where(p => p.PortRangeEnd is null && !byPort.ContainsKey(p.Port)))
        {
            byPort[declared.Port] = new WorkspacePort(declared.Port, declared.Name, declared.OnOpen, declared.Visibility, false, []);
        }

        return [.. byPort.Values];
    }

    public static bool SameAs(IReadOnlyList<WorkspacePort> left, IReadOnlyList<WorkspacePort> right) =>
        left.Count == right.Count && left.Zip(right).All(pair =>
            pair.First with { Addresses = [] } == pair.Second with { Addresses = [] } && pair.First.Addresses.SequenceEqual(pair.Second.Addresses));

    private static string Format(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4().ToString() : address.ToString().ToLower(CultureInfo.InvariantCulture);
}
