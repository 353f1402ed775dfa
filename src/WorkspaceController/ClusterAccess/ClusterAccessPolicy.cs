using System.Text.RegularExpressions;

namespace Workspaces.WorkspaceController.ClusterAccess;

/// <summary>
/// What a project may ask for: a namespace pattern that can never name a system namespace, and Role rules within the
/// administrator's ceiling. Pure; the web app refuses bad settings with these messages, and the controller checks the
/// resolved namespace again before it creates anything.
/// </summary>
public static partial class ClusterAccessPolicy
{
    public const string Placeholder = "{workspace}";
    public const string DefaultPattern = "dev-" + Placeholder;

    /// <summary>Namespaces a workspace never gets, whatever the settings: Kubernetes' own.</summary>
    public static readonly IReadOnlyList<string> SystemNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    private const int MaxNamespaceLength = 63;

    /// <summary>Why <paramref name="pattern"/> is refused, or null. <paramref name="reserved"/>: the release's namespace and the administrator's list.</summary>
    public static string? PatternProblem(string? pattern, IEnumerable<string> reserved, int maxWorkspaceNameLength)
    {
        if (string.IsNullOrWhiteSpace(pattern))
        {
            return $"Required: a namespace name containing {Placeholder}, such as {DefaultPattern}.";
        }

        var at = pattern.IndexOf(Placeholder, StringComparison.Ordinal);
        if (at < 0 || pattern.IndexOf(Placeholder, at + 1, StringComparison.Ordinal) >= 0)
        {
            return $"The pattern must contain {Placeholder} exactly once (each workspace gets its own namespace), such as {DefaultPattern}.";
        }

        var prefix = pattern[..at];
        var suffix = pattern[(at + Placeholder.Length)..];
        if (prefix.Length == 0 || !Prefix().IsMatch(prefix) || (suffix.Length > 0 && !Suffix().IsMatch(suffix)))
        {
            return $"The pattern must start with a lowercase letter and use only lowercase letters, digits and '-' around {Placeholder} (got '{pattern}').";
        }

        if (prefix.Length + suffix.Length + maxWorkspaceNameLength > MaxNamespaceLength)
        {
            return $"The pattern leaves too little room: a namespace name has at most {MaxNamespaceLength} characters and a workspace name up to {maxWorkspaceNameLength}.";
        }

        // kube-* is Kubernetes' own: refused if any workspace name could complete the pattern into it.
        if (prefix.StartsWith("kube-", StringComparison.Ordinal) || "kube-".StartsWith(prefix, StringComparison.Ordinal))
        {
            return $"'{pattern}' could name a kube-* namespace, which belongs to Kubernetes. Choose another prefix, such as {DefaultPattern}.";
        }

        var matcher = new Regex($"^{Regex.Escape(prefix)}[a-z0-9-]+{Regex.Escape(suffix)}$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        var collision = SystemNamespaces.Concat(reserved).FirstOrDefault(matcher.IsMatch);
        return collision is null ? null : $"'{pattern}' could name the namespace '{collision}', which is reserved (a system namespace or the service's own). Choose another prefix.";
    }

    public static string Resolve(string pattern, string workspaceName) => pattern.Replace(Placeholder, workspaceName, StringComparison.Ordinal);

    /// <summary>The controller's last check on a resolved name: never a system or reserved namespace, always a DNS label.</summary>
    public static string? NamespaceProblem(string ns, IEnumerable<string> reserved) =>
        !Label().IsMatch(ns) ? $"'{ns}' is not a valid namespace name."
        : ns.StartsWith("kube-", StringComparison.Ordinal) || SystemNamespaces.Contains(ns) || reserved.Contains(ns) ? $"The namespace '{ns}' is reserved and is never given to a workspace."
        : null;

    /// <summary>Why <paramref name="rules"/> are refused: a verb, resource or group outside <paramref name="ceiling"/>, or null.</summary>
    public static string? RulesProblem(IReadOnlyList<ClusterAccessRule> rules, IReadOnlyList<ClusterAccessRule> ceiling)
    {
        if (rules.Count == 0)
        {
            return "At least one rule is needed; leave the rules out for the administrator's default.";
        }

        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            if (rule.ApiGroups.Count == 0 || rule.Resources.Count == 0 || rule.Verbs.Count == 0)
            {
                return $"Rule {i + 1} needs apiGroups, resources and verbs (use \"\" for the core API group).";
            }

            foreach (var group in rule.ApiGroups)
            {
                foreach (var resource in rule.Resources)
                {
                    foreach (var verb in rule.Verbs)
                    {
                        if (!ceiling.Any(c => Covers(c.ApiGroups, group) && Covers(c.Resources, resource) && Covers(c.Verbs, verb)))
                        {
                            var groupName = group.Length == 0 ? "the core API group" : $"API group '{group}'";
                            return $"Rule {i + 1} allows '{verb}' on '{resource}' in {groupName}, which is wider than the administrator allows for workspaces. Narrow the rule, or ask an administrator to widen the ceiling.";
                        }
                    }
                }
            }
        }

        return null;
    }

    // A '*' asked for is covered only by a '*' in the ceiling.
    private static bool Covers(List<string> allowed, string value) => allowed.Contains("*") || allowed.Contains(value);

    [GeneratedRegex("^[a-z]([a-z0-9-]*)$")]
    private static partial Regex Prefix();

    [GeneratedRegex("^[a-z0-9-]*[a-z0-9]$")]
    private static partial Regex Suffix();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex Label();
}
