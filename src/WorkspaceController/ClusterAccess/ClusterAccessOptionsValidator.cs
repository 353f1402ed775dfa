using k8s.Models;
using Workspaces.WorkspaceController.Kubernetes;

namespace Workspaces.WorkspaceController.ClusterAccess;

/// <summary>The checks on <see cref="ClusterAccessOptions"/>, each naming its key; run by the controller's options validator.</summary>
public static class ClusterAccessOptionsValidator
{
    private const string S = ClusterAccessOptions.SectionName;

    public static IEnumerable<string> Problems(ControllerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var access = options.ClusterAccess;
        foreach (var (className, c) in options.Classes)
        {
            foreach (var (key, value) in c.DevNamespace.Quota.Concat(c.DevNamespace.DefaultLimits).Concat(c.DevNamespace.DefaultRequests))
            {
                if (!IsQuantity(value))
                {
                    yield return $"{ControllerOptions.SectionName}:Classes:{className}:DevNamespace {key} must be a Kubernetes quantity such as 500m, 2Gi or 10 (got '{value}').";
                }
            }
        }

        if (!access.Enabled)
        {
            yield break;
        }

        if (!Uri.TryCreate(access.ApiServerUrl, UriKind.Absolute, out var server) || server.Scheme != Uri.UriSchemeHttps)
        {
            yield return $"{S}:ApiServerUrl must be the API server's https:// URL as workspaces reach it (got '{access.ApiServerUrl}').";
        }

        if (access.ApiServerCidrs.Count == 0 || access.ApiServerCidrs.Any(c => !System.Net.IPNetwork.TryParse(c, out _)))
        {
            yield return $"{S}:ApiServerCidrs must list the API server's endpoint addresses as CIDRs (kubectl get endpoints kubernetes -n default), such as 172.18.0.2/32.";
        }

        if (access.ApiServerPorts.Count == 0 || access.ApiServerPorts.Any(p => p is < 1 or > 65535))
        {
            yield return $"{S}:ApiServerPorts must list the API server's ports (usually 443 and 6443).";
        }

        if (!File.Exists(access.CaFile))
        {
            yield return $"{S}:CaFile '{access.CaFile}' does not exist: it is the cluster CA the workspaces' kubeconfig trusts.";
        }

        if (access.TokenLifetime < TimeSpan.FromMinutes(10) || access.TokenLifetime > TimeSpan.FromHours(24))
        {
            yield return $"{S}:TokenLifetime must be between 00:10:00 (Kubernetes' minimum) and 24:00:00 (got {access.TokenLifetime}).";
        }

        if (access.StuckAfter < TimeSpan.FromSeconds(10))
        {
            yield return $"{S}:StuckAfter must be at least 00:00:10 (got {access.StuckAfter}).";
        }

        if (access.Ceiling.Any(r => r.ApiGroups.Count == 0 || r.Resources.Count == 0 || r.Verbs.Count == 0))
        {
            yield return $"{S}:Ceiling: every rule needs apiGroups, resources and verbs.";
        }

        foreach (var service in access.SharedServices)
        {
            if (string.IsNullOrWhiteSpace(service.Namespace) || service.PodLabels.Count == 0)
            {
                yield return $"{S}:SharedServices: each entry needs a Namespace and the PodLabels of its pods.";
            }
        }
    }

    internal static bool IsQuantity(string value)
    {
        try
        {
            _ = new ResourceQuantity(value).ToDecimal();
            return !string.IsNullOrWhiteSpace(value);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return false;
        }
    }
}
