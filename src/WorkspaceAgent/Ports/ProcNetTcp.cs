using System.Globalization;
using System.Net;

namespace Workspaces.WorkspaceAgent.Ports;

/// <summary>
/// The listeners from <c>/proc/net/tcp</c> and <c>/proc/net/tcp6</c>: works wherever procfs does, but each read walks
/// the kernel's whole established-connections hash (see <see cref="ListeningSockets"/>), hence only the fallback.
/// </summary>
public sealed class ProcNetTcpSockets(string procRoot = "/proc") : IListeningSockets
{
    public IReadOnlyList<ListeningSocket> Read()
    {
        var all = ReadTable("tcp");
        all.AddRange(ReadTable("tcp6"));
        return all;
    }

    private List<ListeningSocket> ReadTable(string name)
    {
        try
        {
            return ProcNetTcp.ParseListening(File.ReadAllText(Path.Combine(procRoot, "net", name)));
        }
        catch (FileNotFoundException)
        {
            // No IPv6 in this kernel or namespace.
            return [];
        }
    }
}

/// <summary>Reads the kernel's socket tables (<c>proc(5)</c>, <c>/proc/net/tcp</c>).</summary>
public static class ProcNetTcp
{
    private const string ListenState = "0A";

    /// <summary>The LISTEN sockets of one table; malformed lines are skipped.</summary>
    /// <remarks>
    /// Each line: <c>sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...</c>, the
    /// address as hex of the in-memory (network order) bytes read as native-endian 32-bit words.
    /// </remarks>
    public static List<ListeningSocket> ParseListening(string table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var result = new List<ListeningSocket>();
        foreach (var line in table.Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 10 || fields[3] != ListenState)
            {
                continue;
            }

            var local = fields[1];
            var colon = local.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0
                || !TryParseAddress(local.AsSpan(0, colon), out var address)
                || !int.TryParse(local.AsSpan(colon + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var port)
                || !long.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
            {
                continue;
            }

            result.Add(new ListeningSocket(address, port, inode));
        }

        return result;
    }

    private static bool TryParseAddress(ReadOnlySpan<char> hex, out IPAddress address)
    {
        address = IPAddress.None;
        if (hex.Length is not (8 or 32))
        {
            return false;
        }

        var bytes = new byte[hex.Length / 2];
        for (var word = 0; word < hex.Length / 8; word++)
        {
            if (!uint.TryParse(hex.Slice(word * 8, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            // The kernel printed the word as a native integer; its bytes in memory are the address bytes.
            BitConverter.TryWriteBytes(bytes.AsSpan(word * 4, 4), value);
        }

        address = new IPAddress(bytes);
        return true;
    }
}
