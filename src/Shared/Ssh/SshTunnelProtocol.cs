namespace Workspaces.Shared.Ssh;

/// <summary>The contract between the <c>workspaces</c> CLI and the web app's SSH tunnel.</summary>
public static class SshTunnelProtocol
{
    /// <summary>GET: the user, host key and host name to connect with (JSON); 409 when the workspace is not running.</summary>
    public static string InfoPath(string workspaceId) => $"/api/workspaces/{Uri.EscapeDataString(workspaceId)}/ssh";

    /// <summary>
    /// POST <see cref="SshCertificateRequest"/>: a user certificate for the client's public key, signed by the workspace's
    /// own CA, valid for minutes (<c>Workspaces:Ssh:CertificateLifetime</c>), answered as <see cref="SshCertificateGrant"/>.
    /// Who may have one is who may open the tunnel; 409 when the workspace is not running.
    /// </summary>
    public static string CertificatePath(string workspaceId) => $"/api/workspaces/{Uri.EscapeDataString(workspaceId)}/ssh/certificate";

    /// <summary>
    /// A WebSocket (a personal access token or the session cookie): binary messages carry the SSH stream both ways, each
    /// at most the server's <c>Workspaces:Ssh:MaxMessageBytes</c>. The 101 answer carries <see cref="HostKeyHeader"/>
    /// and <see cref="UserHeader"/>; a refusal carries its reason in <see cref="RefusalHeader"/> too. The sshd at its end
    /// accepts only a certificate from <see cref="CertificatePath"/>.
    /// </summary>
    public static string TunnelPath(string workspaceId) => $"/api/workspaces/{Uri.EscapeDataString(workspaceId)}/ssh/tunnel";

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

/// <summary>The body of <see cref="SshTunnelProtocol.CertificatePath"/>: one line of the client's .pub file.</summary>
public sealed record SshCertificateRequest(string PublicKey);

/// <summary>The answer of <see cref="SshTunnelProtocol.CertificatePath"/>.</summary>
/// <param name="Certificate">The certificate line (<c>ssh-ed25519-cert-v01@openssh.com AAAA…</c>) for ssh's <c>CertificateFile</c>.</param>
/// <param name="ValidBefore">When sshd stops accepting it (the workspace's clock).</param>
public sealed record SshCertificateGrant(string WorkspaceId, string User, string HostKey, string Certificate, DateTimeOffset ValidBefore);

/// <summary>The web app asks the agent (<c>POST /ssh/certificate</c>) to certify a key the user presented for this long.</summary>
/// <param name="KeyId">Who it is for, as sshd logs it (the user's id).</param>
public sealed record AgentSshCertificateRequest(string PublicKey, string KeyId, TimeSpan Lifetime);

/// <summary>The agent's certificate: signed by the workspace's CA for its own user.</summary>
public sealed record AgentSshCertificate(string User, string HostKey, string Certificate, DateTimeOffset ValidBefore);
