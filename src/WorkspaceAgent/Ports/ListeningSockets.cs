using System.Net;

namespace Workspaces.WorkspaceAgent.Ports;

/// <summary>A listening TCP socket of this network namespace: its local address, port and socket inode.</summary>
public readonly record struct ListeningSocket(IPAddress Address, int Port, long Inode);

/// <summary>Where the TCP listeners of this network namespace (IPv4 and IPv6) are read from.</summary>
public interface IListeningSockets
{
    /// <summary>The LISTEN sockets now.</summary>
    /// <exception cref="ListeningSocketsUnavailableException">This source cannot be used here.</exception>
    IReadOnlyList<ListeningSocket> Read();
}

/// <summary>A source of listening sockets that this kernel or sandbox does not offer (or that failed).</summary>
public sealed class ListeningSocketsUnavailableException(string message) : Exception(message);

/// <summary>
/// Netlink (<see cref="SockDiagSockets"/>) while it works, else <c>/proc/net/tcp{,6}</c> (<see cref="ProcNetTcpSockets"/>)
/// from the first failure on, said once in the log. Netlink is preferred because it asks the kernel for LISTEN sockets
/// only, so it walks the (small) listening hash; reading <c>/proc/net/tcp</c> walks every bucket of the established
/// hash, which is sized by RAM, twice a scan (measured ~1 % of a core per idle agent on a host with a dozen sockets).
/// </summary>
public sealed partial class ListeningSockets(IListeningSockets preferred, IListeningSockets fallback, ILogger<ListeningSockets> logger) : IListeningSockets
{
    private int _useFallback;

    public static ListeningSockets Create(string procRoot, ILogger<ListeningSockets> logger) =>
        new(new SockDiagSockets(), new ProcNetTcpSockets(procRoot), logger);

    public IReadOnlyList<ListeningSocket> Read()
    {
        if (Volatile.Read(ref _useFallback) == 0)
        {
            try
            {
                return preferred.Read();
            }
            catch (ListeningSocketsUnavailableException e)
            {
                if (Interlocked.Exchange(ref _useFallback, 1) == 0)
                {
                    LogFallback(logger, e.Message);
                }
            }
        }

        return fallback.Read();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Netlink socket diagnostics unavailable ({Reason}); reading /proc/net/tcp and /proc/net/tcp6 instead")]
    private static partial void LogFallback(ILogger logger, string reason);
}
