using System.Net;
using System.Net.Sockets;

namespace Workspaces.Shared.Repositories;

/// <summary>
/// Where a clone may connect. Only public addresses by default: loopback, private (RFC 1918), CGNAT, link-local (and so
/// cloud metadata services), unique-local, multicast, reserved and documentation ranges, and the IPv6 forms that embed such
/// an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4) are refused, because a repository URL is typed by a user
/// and fetched by the server. An administrator admits internal Git servers by host name (<see cref="AllowedHosts"/>) or
/// by address range (<see cref="AllowedNetworks"/>, CIDR).
/// </summary>
/// <param name="AllowedHosts">Host names (lower-case, no port) whose every address is accepted.</param>
/// <param name="AllowedNetworks">Address ranges in CIDR notation (<c>10.20.0.0/16</c>, <c>fd12::/64</c>) that are accepted.</param>
public sealed record RepositoryNetwork(IReadOnlyList<string> AllowedHosts, IReadOnlyList<string> AllowedNetworks)
{
    /// <summary>No exceptions: public addresses only.</summary>
    public static readonly RepositoryNetwork PublicOnly = new([], []);

    /// <summary>
    /// The one message for every refused or unreachable target, whatever happened (an internal address, a name that does
    /// not resolve, a refused or reset connection): different messages would tell a user which internal hosts and ports
    /// exist.
    /// </summary>
    public static string UnreachableMessage(string host) =>
        $"could not reach the repository's host {host}: it did not answer, or it is not at a public address";

    /// <summary>What every such failure message starts with, for whoever classifies it.</summary>
    public const string UnreachableMarker = "could not reach the repository's host";

    /// <summary>Whether the clone may connect to <paramref name="address"/>, reached by the name <paramref name="host"/>.</summary>
    public bool Allows(string host, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(address);
        if (IsPublic(address))
        {
            return true;
        }

        var name = host.Trim('[', ']').TrimEnd('.').ToLowerInvariant();
        if (AllowedHosts.Any(allowed => string.Equals(allowed.TrimEnd('.'), name, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        foreach (var network in AllowedNetworks)
        {
            if (IPNetwork.TryParse(network, out var range) && (range.Contains(address) || range.Contains(plain)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A problem with the allow-list's entries (for the options validator), or null.</summary>
    public static string? Problem(IEnumerable<string> hosts, IEnumerable<string> networks)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(networks);
        foreach (var host in hosts)
        {
            if (string.IsNullOrWhiteSpace(host) || Uri.CheckHostName(host.TrimEnd('.')) is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6))
            {
                return $"'{host}' is not a host name (write git.example.internal, without scheme or port)";
            }
        }

        foreach (var network in networks)
        {
            if (!IPNetwork.TryParse(network, out _))
            {
                return $"'{network}' is not an address range in CIDR notation (write 10.20.0.0/16 or fd12:3456::/48)";
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="address"/> is a public unicast address, reachable across the internet.</summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return IsPublicV4(address.GetAddressBytes());
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        var b = address.GetAddressBytes();

        // ::/96 holds the unspecified address, loopback and the deprecated IPv4-compatible form; ::ffff:0:0/96 is
        // IPv4-mapped, which a dual-stack socket connects to the embedded IPv4 address.
        if (b.AsSpan(0, 10).IndexOfAnyExcept((byte)0) < 0)
        {
            return b[10] == 0xff && b[11] == 0xff && IsPublicV4(b.AsSpan(12, 4));
        }

        // 64:ff9b::/96, NAT64: reaches the embedded IPv4 address through a translator.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return IsPublicV4(b.AsSpan(12, 4));
        }

        // Only global unicast (2000::/3) is public: this leaves out unique-local fc00::/7 (fd00:ec2::254, a metadata
        // service, is one), link-local fe80::/10, site-local fec0::/10, multicast ff00::/8, discard 100::/64 and
        // local-use NAT64 64:ff9b:1::/48.
        if ((b[0] & 0xe0) != 0x20)
        {
            return false;
        }

        // 2001::/23: IETF protocol assignments (Teredo 2001::/32, benchmarking, ORCHID) tunnel or never route.
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02)
        {
            return false;
        }

        // 2001:db8::/32 and 3fff::/20: documentation.
        if ((b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) || (b[0] == 0x3f && b[1] == 0xff && b[2] < 0x10))
        {
            return false;
        }

        // 2002::/16, 6to4: the next 32 bits are the IPv4 address it tunnels to.
        return b[0] != 0x20 || b[1] != 0x02 || IsPublicV4(b.AsSpan(2, 4));
    }

    private static bool IsPublicV4(ReadOnlySpan<byte> a) => a switch
    {
        [0, ..] => false,                                   // 0.0.0.0/8: "this network", 0.0.0.0 reaches the local host
        [10, ..] => false,                                  // RFC 1918
        [100, >= 64 and <= 127, ..] => false,               // 100.64.0.0/10, carrier-grade NAT
        [127, ..] => false,                                 // loopback
        [169, 254, ..] => false,                            // link-local, cloud metadata (169.254.169.254)
        [172, >= 16 and <= 31, ..] => false,                // RFC 1918
        [192, 0, 0, _] => false,                            // IETF protocol assignments
        [192, 0, 2, _] => false,                            // TEST-NET-1
        [192, 88, 99, _] => false,                          // 6to4 relay anycast
        [192, 168, ..] => false,                            // RFC 1918
        [198, 18 or 19, ..] => false,                       // benchmarking
        [198, 51, 100, _] => false,                         // TEST-NET-2
        [203, 0, 113, _] => false,                          // TEST-NET-3
        [>= 224, ..] => false,                              // multicast, reserved, broadcast
        _ => true,
    };
}
