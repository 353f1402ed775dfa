using Microsoft.Extensions.Options;

namespace Workspaces.Web.Previews;

/// <summary><c>Workspaces:Previews</c>: where previews live and how long their grants last.</summary>
public sealed class PreviewOptions
{
    public const string SectionName = "Workspaces:Previews";

    /// <summary>
    /// Preview hosts are <c>{port}-{workspace}.{Domain}</c>. The default, <c>localhost</c>, needs no DNS (browsers resolve
    /// <c>*.localhost</c> to loopback) and keeps the port the IDE is reached on. A domain with a port (<c>preview.example:8443</c>)
    /// pins that port. In production use a wildcard domain that is not under the IDE's host.
    /// </summary>
    public string Domain { get; set; } = "localhost";

    /// <summary>
    /// The IDE's own origin (<c>https://ide.example.com</c>), where a private preview sends the browser to prove who it is.
    /// Unset: the preview's scheme and port with <see cref="Domain"/> as host (right for the <c>localhost</c> default).
    /// </summary>
    public Uri? IdeUrl { get; set; }

    /// <summary>How long the owner's grant on a private preview origin (a host-only cookie) lasts.</summary>
    public TimeSpan OwnerCookieLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How long a redirect ticket from the IDE origin to a preview origin is valid (it is single-use too).</summary>
    public TimeSpan TicketLifetime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>An upstream that sends nothing (no headers, no body bytes) for this long is cut (504 before the response starts).</summary>
    public TimeSpan UpstreamActivityTimeout { get; set; } = TimeSpan.FromSeconds(100);

    public TimeSpan UpstreamConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the proxy trusts what it read about a workspace (owner, state, visibility) before reading it again.
    /// Changes made in this process take effect at once; this bounds the delay of changes made by another replica.</summary>
    public TimeSpan StateCacheLifetime { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// When the proxy reaches a port through the workspace's agent (<see cref="PreviewRelay"/>) instead of connecting to
    /// it: <see cref="PreviewRelayMode.Auto"/> for listeners bound only to loopback when the agent is not on this
    /// machine's loopback (a Kubernetes pod).
    /// </summary>
    public PreviewRelayMode Relay { get; set; } = PreviewRelayMode.Auto;

    /// <summary>
    /// The cluster's DNS domain: a Service of a workspace's development namespace is previewed at
    /// <c>{service}.{namespace}.svc.{ClusterDomain}</c> (the chart's <c>workspaces.clusterDomain</c>).
    /// </summary>
    public string ClusterDomain { get; set; } = "cluster.local";

    /// <summary>The longest a share link may live.</summary>
    public TimeSpan MaxShareLinkLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The host part of <see cref="Domain"/>, lower-case.</summary>
    public string DomainHost => SplitDomain().Host;

    /// <summary>The port pinned by <see cref="Domain"/>, if any.</summary>
    public int? DomainPort => SplitDomain().Port;

    private (string Host, int? Port) SplitDomain()
    {
        var text = Domain.Trim().TrimStart('.').ToLowerInvariant();
        var colon = text.LastIndexOf(':');
        return colon > 0 && int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            ? (text[..colon], port)
            : (text, null);
    }
}

public enum PreviewRelayMode
{
    /// <summary>Relay a port whose listeners are all bound to loopback, unless the agent itself is on this machine's loopback.</summary>
    Auto,

    /// <summary>Relay every port (tests use it with the local runtime).</summary>
    Always,

    /// <summary>Always connect to the workspace's address directly.</summary>
    Never,
}

public sealed class PreviewOptionsValidator : IValidateOptions<PreviewOptions>
{
    public ValidateOptionsResult Validate(string? name, PreviewOptions options)
    {
        var failures = new List<string>();
        var host = options.DomainHost;
        if (host.Length == 0 || Uri.CheckHostName(host) != UriHostNameType.Dns || host.Contains('*', StringComparison.Ordinal))
        {
            failures.Add($"Workspaces:Previews:Domain must be a DNS name, optionally with :port, e.g. localhost or preview.example.com (got '{options.Domain}').");
        }

        if (options.DomainPort is < 1 or > 65535)
        {
            failures.Add($"Workspaces:Previews:Domain has a port out of range (got '{options.Domain}').");
        }

        if (options.IdeUrl is { } ide && (!ide.IsAbsoluteUri || ide.Scheme is not ("http" or "https") || ide.AbsolutePath != "/"))
        {
            failures.Add($"Workspaces:Previews:IdeUrl must be an absolute http(s) origin such as https://ide.example.com (got '{ide}').");
        }

        if (Uri.CheckHostName(options.ClusterDomain) != UriHostNameType.Dns || options.ClusterDomain.EndsWith('.'))
        {
            failures.Add($"Workspaces:Previews:ClusterDomain must be the cluster's DNS domain, such as cluster.local (got '{options.ClusterDomain}').");
        }

        if (!Enum.IsDefined(options.Relay))
        {
            failures.Add($"Workspaces:Previews:Relay must be Auto, Always or Never (got '{options.Relay}').");
        }

        Range(failures, "OwnerCookieLifetime", options.OwnerCookieLifetime, TimeSpan.FromMinutes(1), TimeSpan.FromDays(30));
        Range(failures, "TicketLifetime", options.TicketLifetime, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10));
        Range(failures, "UpstreamActivityTimeout", options.UpstreamActivityTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        Range(failures, "UpstreamConnectTimeout", options.UpstreamConnectTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
        Range(failures, "StateCacheLifetime", options.StateCacheLifetime, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Range(failures, "MaxShareLinkLifetime", options.MaxShareLinkLifetime, TimeSpan.FromMinutes(5), TimeSpan.FromDays(365));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(List<string> failures, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"Workspaces:Previews:{key} must be between {min} and {max} (got {value}).");
        }
    }
}
