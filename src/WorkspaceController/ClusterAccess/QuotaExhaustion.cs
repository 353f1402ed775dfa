using k8s.Models;

namespace Workspaces.WorkspaceController.ClusterAccess;

/// <summary>What a development namespace's quota status says to its user: the resources used up, or null while none is.</summary>
public static class QuotaExhaustion
{
    public static string? Message(V1ResourceQuota quota)
    {
        ArgumentNullException.ThrowIfNull(quota);
        var hard = quota.Status?.Hard ?? new Dictionary<string, ResourceQuantity>();
        var used = quota.Status?.Used ?? new Dictionary<string, ResourceQuantity>();
        var full = hard.Where(h => used.TryGetValue(h.Key, out var u) && u.ToDecimal() >= h.Value.ToDecimal() && h.Value.ToDecimal() > 0)
            .OrderBy(h => h.Key, StringComparer.Ordinal)
            .Select(h => $"{h.Key} ({used[h.Key]} of {h.Value})")
            .ToList();
        return full.Count == 0 ? null
            : $"The development namespace {quota.Metadata.NamespaceProperty} has used all of its quota for {string.Join(", ", full)}: new pods or objects there are refused. Delete what you no longer need, or ask an administrator for a larger workspace class.";
    }
}
