using System.Net;
using System.Net.Sockets;

namespace Workspaces.TestSupport.Network;

/// <summary>Addresses where nobody listens, for "host unreachable" cases. Only loopback: tests never send traffic elsewhere.</summary>
public static class ClosedPort
{
    /// <summary>A loopback port that was free a moment ago and now refuses connections.</summary>
    public static int Reserve()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary><c>http://127.0.0.1:{closed port}/</c>.</summary>
    public static Uri HttpUrl() => new($"http://127.0.0.1:{Reserve()}/");
}
