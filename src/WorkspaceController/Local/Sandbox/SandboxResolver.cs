using System.Net;
using System.Text;

namespace Workspaces.WorkspaceController.Local.Sandbox;

/// <summary>
/// The <c>/etc/resolv.conf</c> a sandbox sees. A workspace has a loopback of its own, so a resolver the host reaches on
/// loopback (systemd-resolved's 127.0.0.53, dnsmasq) is not there: such a nameserver becomes <see cref="ForwardAddress"/>,
/// which pasta answers by forwarding to the host's resolver (<c>--dns-forward</c>, as rootless Podman does). Other
/// resolvers are reached directly, as from the host.
/// </summary>
public static class SandboxResolver
{
    public const string ForwardAddress = "169.254.1.1";

    /// <summary>The sandbox's resolv.conf, and whether pasta must forward <see cref="ForwardAddress"/> to the host's resolver.</summary>
    public static (string Text, bool Forward) Rewrite(string hostResolvConf)
    {
        ArgumentNullException.ThrowIfNull(hostResolvConf);
        var text = new StringBuilder();
        var forward = false;
        foreach (var line in hostResolvConf.Split('\n'))
        {
            var fields = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields is ["nameserver", var address, ..] && IPAddress.TryParse(address.Split('%')[0], out var ip) && IPAddress.IsLoopback(ip))
            {
                if (!forward)
                {
                    text.Append("nameserver ").Append(ForwardAddress).Append('\n');
                }

                forward = true;
                continue;
            }

            if (line.Length > 0)
            {
                text.Append(line).Append('\n');
            }
        }

        return (text.ToString(), forward);
    }

    /// <summary>
    /// Where the sandbox's resolv.conf is mounted: <c>/etc/resolv.conf</c>, or the file it links to on the host (often
    /// below <c>/run</c>, which a sandbox has empty), since a mount cannot land on a dangling link.
    /// </summary>
    public static string MountPoint(string? resolvedHostPath) =>
        resolvedHostPath is { Length: > 1 } path && path != "/etc/resolv.conf" ? path : "/etc/resolv.conf";
}
