using System.Globalization;
using Workspaces.Shared.Repositories;

namespace Workspaces.Web.Previews;

/// <summary>A preview origin: one port of one workspace, <c>{port}-{workspace}.{domain}</c>.</summary>
public readonly record struct PreviewHost(int Port, string WorkspaceId)
{
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
        var dash = label.IndexOf('-', StringComparison.Ordinal);
        if (dash is > 0 and <= 5
            && int.TryParse(label.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            && port is >= 1 and <= 65535
            && label[0] != '0'
            && label[(dash + 1)..].ToLowerInvariant() is var id
            && WorkspaceIds.IsValid(id))
        {
            preview = new PreviewHost(port, id);
        }

        return true;
    }

    /// <summary>The preview's origin as the IDE at <paramref name="ideScheme"/>://<paramref name="ideHost"/> links to it.</summary>
    public string Origin(PreviewOptions options, string ideScheme, HostString ideHost)
    {
        ArgumentNullException.ThrowIfNull(options);
        var port = options.DomainPort ?? ideHost.Port;
        var scheme = options.IdeUrl?.Scheme ?? ideScheme;
        var portPart = port is { } p && !(scheme == "http" && p == 80) && !(scheme == "https" && p == 443) ? $":{p}" : "";
        return $"{scheme}://{Port}-{WorkspaceId}.{options.DomainHost}{portPart}";
    }

    public override string ToString() => $"{Port}-{WorkspaceId}";
}
