namespace Workspaces.Shared.Ssh;

/// <summary>The contract between the <c>workspaces</c> CLI and the web app's SSH tunnel.</summary>
public static class SshTunnelProtocol
{
    /// <summary>GET: the user, host key and host name to connect with (JSON); 409 when the workspace is not running.</summary>
    public static string InfoPath(string workspaceId) => $"/api/workspaces/{Uri.EscapeDataString(workspaceId)}/ssh";

    /// <summary>
    /// A WebSocket (a personal access token or the session cookie): binary messages carry the SSH stream both ways, each
    /// at most the server's <c>Workspaces:Ssh:MaxMessageBytes</c>. The 101 answer carries <see cref="HostKeyHeader"/>
    /// and <see cref="UserHeader"/>; a refusal carries its reason in <see cref="RefusalHeader"/> too.
    /// </summary>
    public static string TunnelPath(string workspaceId) => $"/api/workspaces/{Uri.EscapeDataString(workspaceId)}/ssh/tunnel";

    /// <summary>The client's public key (one line of a .pub file): the only key the tunnel's sshd accepts.</summary>
    public const string ClientKeyHeader = "X-Workspaces-Ssh-Client-Key";

    public const string HostKeyHeader = "X-Workspaces-Ssh-Host-Key";

    public const string UserHeader = "X-Workspaces-Ssh-User";

    /// <summary>Why the tunnel was refused, for clients that cannot read a refusal's body (a WebSocket client).</summary>
    public const string RefusalHeader = "X-Workspaces-Refusal";

    /// <summary>A client should send at most this much per message; servers accept at least this.</summary>
    public const int ClientMessageBytes = 32 * 1024;
}

/// <summary>The answer of <see cref="SshTunnelProtocol.InfoPath"/>.</summary>
/// <param name="User">The user sshd runs as in the workspace: the only one it logs in.</param>
/// <param name="HostKey">The workspace's host public key (<c>ssh-ed25519 AAAA…</c>).</param>
public sealed record SshInfo(string WorkspaceId, string User, string HostKey);
