using Microsoft.Extensions.Options;
using Workspaces.WorkspaceController.ClusterAccess;

namespace Workspaces.Web.ClusterAccess;

/// <summary>
/// What the administrator allows projects (section <c>Workspaces:ClusterAccess</c>): whether cluster access may be turned
/// on at all, the widest Role, and namespaces never given. The chart sets the same values as the controller's.
/// </summary>
public sealed class ClusterAccessWebOptions
{
    public const string SectionName = "Workspaces:ClusterAccess";

    /// <summary>The administrator enabled cluster access for this server (the controller holds the RBAC it needs).</summary>
    public bool Enabled { get; set; }

    /// <summary>The widest Role a project may ask for; empty: <see cref="EditRules.Default"/>.</summary>
    public List<ClusterAccessRule> Ceiling { get; set; } = [];

    /// <summary>Namespaces never given to a workspace besides kube-*, default and the release's own.</summary>
    public List<string> ReservedNamespaces { get; set; } = [];

    public IReadOnlyList<ClusterAccessRule> EffectiveCeiling => Ceiling.Count == 0 ? EditRules.Default : Ceiling;
}

public sealed class ClusterAccessWebOptionsValidator : IValidateOptions<ClusterAccessWebOptions>
{
    private const string S = ClusterAccessWebOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, ClusterAccessWebOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Ceiling.Any(r => r.ApiGroups.Count == 0 || r.Resources.Count == 0 || r.Verbs.Count == 0))
        {
            failures.Add($"{S}:Ceiling: every rule needs apiGroups, resources and verbs.");
        }

        if (options.ReservedNamespaces.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add($"{S}:ReservedNamespaces must not contain empty names.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
