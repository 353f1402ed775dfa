using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Workspaces.Web.Hosting;

/// <summary>
/// A Host header (or HTTP/2 <c>:authority</c>) read strictly, as a name a browser could have put there: a DNS name of
/// letters, digits and hyphens (labels of 1-63 characters, at most 253 in all, no empty label, no trailing dot, valid
/// punycode), a canonical dotted-quad IPv4 address or a bracketed IPv6 address, and an optional port 1-65535.
/// Anything else is malformed and answered with a 400 before it can reach code that would trip over it.
/// </summary>
public readonly record struct HostHeader(string Name, int? Port)
{
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };

    /// <summary>Parses <paramref name="value"/>; <paramref name="host"/> has the name in lower case (IPv6 without brackets).</summary>
    public static bool TryParse(string? value, out HostHeader host)
    {
        host = default;
        if (string.IsNullOrEmpty(value) || value.Length > 300)
        {
            return false;
        }

        string name;
        var portText = (string?)null;
        if (value[0] == '[')
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !IPAddress.TryParse(value.AsSpan(1, close - 1), out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6
                || value.AsSpan(1, close - 1).Contains('%'))
            {
                return false;
            }

            name = v6.ToString();
            if (close + 1 < value.Length)
            {
                if (value[close + 1] != ':')
                {
                    return false;
                }

                portText = value[(close + 2)..];
            }
        }
        else
        {
            var colon = value.IndexOf(':', StringComparison.Ordinal);
            name = colon < 0 ? value : value[..colon];
            portText = colon < 0 ? null : value[(colon + 1)..];
            if (!IsDnsNameOrIPv4(name))
            {
                return false;
            }

            name = name.ToLowerInvariant();
        }

        int? port = null;
        if (portText is not null)
        {
            if (portText.Length is 0 or > 5 || !portText.All(char.IsAsciiDigit))
            {
                return false;
            }

            port = int.Parse(portText, NumberStyles.None, CultureInfo.InvariantCulture);
            if (port is < 1 or > 65535)
            {
                return false;
            }
        }

        host = new HostHeader(name, port);
        return true;
    }

    /// <summary>Whether this name is <paramref name="pattern"/>: a host name, an IP address, <c>*.domain</c> (any name under it) or <c>*</c>.</summary>
    public bool Matches(string pattern)
    {
        if (pattern == "*")
        {
            return true;
        }

        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            var domain = pattern[1..];
            return Name.Length > domain.Length && Name.EndsWith(domain, StringComparison.OrdinalIgnoreCase);
        }

        return string.Equals(Name, pattern, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A pattern as <see cref="Matches"/> compares it: lower case, IDN names in punycode, IPv6 without brackets; null when not a host.</summary>
    public static string? NormalizePattern(string pattern)
    {
        var text = pattern.Trim();
        if (text == "*")
        {
            return text;
        }

        var wildcard = text.StartsWith("*.", StringComparison.Ordinal);
        var name = wildcard ? text[2..] : text;
        if (name.StartsWith('[') && name.EndsWith(']'))
        {
            name = name[1..^1];
        }

        if (IPAddress.TryParse(name, out var address) && !wildcard)
        {
            return address.ToString();
        }

        try
        {
            name = Idn.GetAscii(name).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }

        return IsDnsNameOrIPv4(name) ? (wildcard ? "*." + name : name) : null;
    }

    private static bool IsPunycode(string label)
    {
        try
        {
            var unicode = Idn.GetUnicode(label);
            return !unicode.Any(char.IsControl) && string.Equals(Idn.GetAscii(unicode), label, StringComparison.OrdinalIgnoreCase);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool IsDnsNameOrIPv4(string name)
    {
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        var labels = name.Split('.');
        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }

            // Punycode must decode, and to a name that encodes back to it (a browser never sends one that does not).
            if (label.StartsWith("xn--", StringComparison.OrdinalIgnoreCase) && !IsPunycode(label))
            {
                return false;
            }
        }

        // A last label of digits makes a browser read the whole name as IPv4: only the canonical dotted quad is one.
        var last = labels[^1];
        var numeric = last.All(char.IsAsciiDigit) || (last.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && last[2..].All(char.IsAsciiHexDigit));
        return !numeric
            || (labels.Length == 4 && IPAddress.TryParse(name, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork && v4.ToString() == name);
    }
}
