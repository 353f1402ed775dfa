using Microsoft.Extensions.Options;

namespace Workspaces.Web.Repositories;

/// <summary>Which repositories workspaces may clone (<c>Workspaces:AllowLocalRepositories</c>, <c>Workspaces:Repositories:…</c>).</summary>
public sealed class CloneSourceOptions
{
    public const string SectionName = "Workspaces";

    /// <summary>
    /// Whether <c>file://</c> URLs and local paths may be cloned. Unset: yes while the server has one account (a laptop),
    /// no once it has more (any account could name another's files). The data directory and workspaces are refused always.
    /// </summary>
    public bool? AllowLocalRepositories { get; set; }

    /// <summary>Which internal Git servers clones may reach (<c>Workspaces:Repositories:AllowedHosts</c>, <c>…:AllowedNetworks</c>).</summary>
    public RepositoryOptions Repositories { get; set; } = new();
}

/// <summary>
/// Clones connect only to public addresses; these admit internal Git servers. Loopback, private, link-local and the other
/// internal ranges are refused otherwise (docs/security.md, "Repository URLs").
/// </summary>
public sealed class RepositoryOptions
{
    /// <summary>Host names (no scheme, no port) whose addresses are accepted, whatever they resolve to: <c>git.corp.example</c>.</summary>
    public IList<string> AllowedHosts { get; } = [];

    /// <summary>Address ranges in CIDR notation that are accepted: <c>10.20.0.0/16</c>, <c>fd12:3456::/48</c>.</summary>
    public IList<string> AllowedNetworks { get; } = [];

    public Shared.Repositories.RepositoryNetwork ToNetwork() =>
        new([.. AllowedHosts.Select(h => h.Trim().TrimEnd('.').ToLowerInvariant())], [.. AllowedNetworks.Select(n => n.Trim())]);
}

public sealed class CloneSourceOptionsValidator : IValidateOptions<CloneSourceOptions>
{
    public ValidateOptionsResult Validate(string? name, CloneSourceOptions options) =>
        Shared.Repositories.RepositoryNetwork.Problem(options.Repositories.AllowedHosts, options.Repositories.AllowedNetworks) is { } network
            ? ValidateOptionsResult.Fail($"Workspaces:Repositories:AllowedHosts and AllowedNetworks: {network}.")
            : ValidateOptionsResult.Success;
}
