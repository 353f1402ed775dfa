using System.Net;
using System.Net.Sockets;
using LibGit2Sharp;
using Workspaces.Shared.Repositories;

namespace Workspaces.WorkspaceAgent.Cloning;

/// <summary>
/// Replaces libgit2's own HTTP and HTTPS transport with <see cref="GuardedHttpSubtransport"/>, whose connections are
/// checked where they are made: the host is resolved, and every address is checked against the clone's
/// <see cref="RepositoryNetwork"/>, right before the socket connects to it. Checking the URL beforehand would leave a gap
/// (a name that resolves to a public address at the check and to 127.0.0.1 at the connect: DNS rebinding), and libgit2
/// follows redirects to any host on its own.
/// </summary>
internal static class GuardedHttpTransport
{
    private static readonly Lock RegistrationLock = new();
    private static bool _registered;

    [ThreadStatic]
    private static Scope? _current;

    /// <summary>What the subtransports libgit2 creates on this thread must obey (libgit2 creates them on the thread that clones).</summary>
    internal static Scope Current => _current ?? new Scope(RepositoryNetwork.PublicOnly, CancellationToken.None);

    /// <summary>Registers the transport for the process (once), and makes <paramref name="network"/> the rule on this thread until disposed.</summary>
    public static Scope Use(RepositoryNetwork network, CancellationToken cancellationToken)
    {
        lock (RegistrationLock)
        {
            if (!_registered)
            {
                GlobalSettings.RegisterSmartSubtransport<GuardedHttpSubtransport>("http");
                GlobalSettings.RegisterSmartSubtransport<GuardedHttpSubtransport>("https");
                _registered = true;
            }
        }

        var scope = new Scope(network, cancellationToken, _current);
        _current = scope;
        return scope;
    }

    /// <summary>An HTTP client that never uses a proxy, never follows a redirect and connects only where <paramref name="network"/> allows.</summary>
    public static HttpClient CreateClient(RepositoryNetwork network)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.All,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = (context, cancellationToken) => ConnectAsync(network, context.DnsEndPoint, cancellationToken),
        };
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Resolves, checks every address, then connects to the first that answers; every failure reads the same.</summary>
    internal static async ValueTask<Stream> ConnectAsync(RepositoryNetwork network, DnsEndPoint endpoint, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken);
        }
        catch (SocketException)
        {
            throw new RepositoryHostUnreachableException(endpoint.Host);
        }

        // One internal address among public ones refuses the host: which one a connection would pick is not ours to decide.
        if (addresses.Length == 0 || !addresses.All(address => network.Allows(endpoint.Host, address)))
        {
            throw new RepositoryHostUnreachableException(endpoint.Host);
        }

        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException)
            {
                socket.Dispose();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw new RepositoryHostUnreachableException(endpoint.Host);
    }

    /// <summary>The rule for one clone on one thread, and the first failure its transport met.</summary>
    internal sealed class Scope(RepositoryNetwork network, CancellationToken cancellationToken, Scope? previous = null) : IDisposable
    {
        public RepositoryNetwork Network { get; } = network;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        /// <summary>
        /// Why the transport failed, in its own words. libgit2 does not always carry an error set in a callback up to
        /// the exception it ends with ("no error"), so the clone reads it here.
        /// </summary>
        public string? Failure { get; set; }

        public void Dispose() => _current = previous;
    }
}

/// <summary>A clone's target was refused or did not answer; the message is the same for every cause (<see cref="RepositoryNetwork.UnreachableMessage"/>).</summary>
internal sealed class RepositoryHostUnreachableException(string host) : IOException(RepositoryNetwork.UnreachableMessage(host));
