using Microsoft.Extensions.Primitives;
using Workspaces.Web.Hosting;

namespace Workspaces.Web.Previews;

/// <summary>
/// The cookies that cross the preview proxy, read the way browsers read them (RFC 6265 §5.2): none of the IDE's goes to
/// an app, and an app sets cookies only for its own origin, never one named like the IDE's.
/// </summary>
public static class PreviewCookies
{
    /// <summary>The request's Cookie headers without any of the IDE's cookies; null when none is left.</summary>
    public static string? Forwarded(StringValues cookieHeaders, IdeCookies ide)
    {
        ArgumentNullException.ThrowIfNull(ide);
        var kept = new List<string>();
        foreach (var header in cookieHeaders)
        {
            foreach (var pair in (header ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                // A nameless cookie is sent as its value alone; a server reads that as a name, so it is judged as one.
                if (!ide.IsIde(pair.Split('=', 2)[0]))
                {
                    kept.Add(pair);
                }
            }
        }

        return kept.Count > 0 ? string.Join("; ", kept) : null;
    }

    /// <summary>
    /// An app's Set-Cookie as it may reach the browser: without any Domain attribute (whatever its spacing or case), so
    /// the cookie stays on the preview's own host; null when the cookie is named like one of the IDE's (with or without a
    /// <c>__Host-</c>/<c>__Secure-</c> prefix) and is dropped.
    /// </summary>
    public static string? Rewritten(string setCookie, IdeCookies ide)
    {
        ArgumentNullException.ThrowIfNull(setCookie);
        ArgumentNullException.ThrowIfNull(ide);
        var parts = setCookie.Split(';');
        var pair = parts[0];
        var equals = pair.IndexOf('=', StringComparison.Ordinal);
        // Without '=' a browser stores a nameless cookie whose value is the whole pair.
        var name = equals < 0 ? "" : pair[..equals].Trim();
        var value = equals < 0 ? pair.Trim() : pair[(equals + 1)..].Trim();
        if (ide.IsIde(name) || (name.Length == 0 && ide.IsIde(value.Split('=', 2)[0])))
        {
            return null;
        }

        var kept = new List<string>(parts.Length) { pair };
        for (var i = 1; i < parts.Length; i++)
        {
            var attribute = parts[i];
            var attributeEquals = attribute.IndexOf('=', StringComparison.Ordinal);
            var attributeName = (attributeEquals < 0 ? attribute : attribute[..attributeEquals]).Trim();
            if (!attributeName.Equals("Domain", StringComparison.OrdinalIgnoreCase))
            {
                kept.Add(attribute);
            }
        }

        return string.Join(';', kept);
    }
}
