using System.Globalization;
using Workspaces.Shared.Repositories;

namespace Workspaces.Web.Previews;

/// <summary>
/// A preview origin: one port of one workspace, <c>{port}-{workspace}.{domain}</c>, or one port of a Service in the
/// workspace's development namespace, <c>s{port}-{length}-{service}-{workspace}.{domain}</c> (the service name's length
/// makes the label unambiguous, and the leading letter keeps it apart from a workspace port's).
/// </summary>
/// <param name="Service">The Service's name (a DNS-1035 label), or null for a port of the workspace itself.</param>
public readonly record struct PreviewHost(int Port, string WorkspaceId, string? Service = null)
{
    /// <summary>The longest DNS label, which the whole preview label must fit in.</summary>
    public const int MaxLabelLength = 63;

    /// <summary>
    /// Whether <paramref name="host"/> (a Host header's name, without port) is under the preview domain; then
    /// <paramref name="preview"/> is the port and workspace it names, or null when the label is malformed (a 404).
    /// </summary>
    public static bool IsUnderDomain(string host, string domainHost, out PreviewHost? preview)
    {
        preview = null;
        if (host.Length <= domainHost.Length + 1
            || !host.EndsWith(domainHost, StringComparison.OrdinalIgnoreCase)
            || host[host.Length - domainHost.Length - 1] != '.')
        {
            return false;
        }

        var label = host[..(host.Length - domainHost.Length - 1)];
        if (label.Length > MaxLabelLength)
        {
            return true;
        }

        if (label.Length > 0 && label[0] is 's' or 'S')
        {
            preview = ParseService(label.ToLowerInvariant());
            return true;
        }

        var dash = label.IndexOf('-', StringComparison.Ordinal);
        if (dash is > 0 and <= 5
            && TryParsePort(label.AsSpan(0, dash), out var port)
            && label[(dash + 1)..].ToLowerInvariant() is var id
            && WorkspaceIds.IsValid(id))
        {
            preview = new PreviewHost(port, id);
        }

        return true;
    }

    /// <summary><c>s{port}-{length}-{service}-{workspace}</c>, every part checked; null for anything else.</summary>
    private static PreviewHost? ParseService(string label)
    {
        var portEnd = label.IndexOf('-', StringComparison.Ordinal);
        if (portEnd is < 2 or > 6 || !TryParsePort(label.AsSpan(1, portEnd - 1), out var port))
        {
            return null;
        }

        var lengthEnd = label.IndexOf('-', portEnd + 1);
        if (lengthEnd - portEnd - 1 is < 1 or > 2
            || !int.TryParse(label.AsSpan(portEnd + 1, lengthEnd - portEnd - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            || label[portEnd + 1] == '0'
            || lengthEnd + 1 + length + 1 >= label.Length
            || label[lengthEnd + 1 + length] != '-')
        {
            return null;
        }

        var service = label.Substring(lengthEnd + 1, length);
        var id = label[(lengthEnd + 1 + length + 1)..];
        return ServiceNames.IsValid(service) && WorkspaceIds.IsValid(id) ? new PreviewHost(port, id, service) : null;
    }

    private static bool TryParsePort(ReadOnlySpan<char> text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535 && text[0] != '0';

    /// <summary>The host label, <c>{port}-{workspace}</c> or <c>s{port}-{length}-{service}-{workspace}</c>.</summary>
    public string Label => Service is null
        ? string.Create(CultureInfo.InvariantCulture, $"{Port}-{WorkspaceId}")
        : string.Create(CultureInfo.InvariantCulture, $"s{Port}-{Service.Length}-{Service}-{WorkspaceId}");

    /// <summary>Whether <see cref="Label"/> fits in a DNS label: a Service with a long name in a workspace with a long id cannot be previewed.</summary>
    public bool FitsInALabel => Label.Length <= MaxLabelLength;

    /// <summary>The preview's origin as the IDE at <paramref name="ideScheme"/>://<paramref name="ideHost"/> links to it.</summary>
    public string Origin(PreviewOptions options, string ideScheme, HostString ideHost)
    {
        ArgumentNullException.ThrowIfNull(options);
        var port = options.DomainPort ?? ideHost.Port;
        var scheme = options.IdeUrl?.Scheme ?? ideScheme;
        var portPart = port is { } p && !(scheme == "http" && p == 80) && !(scheme == "https" && p == 443) ? $":{p}" : "";
        return $"{scheme}://{Label}.{options.DomainHost}{portPart}";
    }

    /// <summary>What the port is called in messages: "port 3000" or "port 8080 of Service api".</summary>
    public string Describe() => Service is null
        ? string.Create(CultureInfo.InvariantCulture, $"port {Port}")
        : string.Create(CultureInfo.InvariantCulture, $"port {Port} of Service {Service}");

    public override string ToString() => Label;
}

/// <summary>Kubernetes Service names: DNS-1035 labels.</summary>
public static partial class ServiceNames
{
    public static bool IsValid([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? name) =>
        name is { Length: > 0 and <= 63 } && Pattern().IsMatch(name);

    [System.Text.RegularExpressions.GeneratedRegex(@"^[a-z]([-a-z0-9]*[a-z0-9])?\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex Pattern();
}
