namespace Workspaces.Shared.Agent;

/// <summary>The HTTP contract between the web app and a workspace agent.</summary>
public static class AgentProtocol
{
    /// <summary>The per-workspace secret the web app presents on every call (as a bearer token).</summary>
    public const string AuthorizationScheme = "Bearer";

    public const string HealthPath = "/health";

    /// <summary>GET, optionally <c>?after={version}&amp;waitMs={ms}</c> to long-poll for a newer status.</summary>
    public const string StatusPath = "/api/status";

    /// <summary>GET <c>/api/tasks/{index}/log?offset={n}</c>: the task's output from byte offset n.</summary>
    public const string TaskLogPathPrefix = "/api/tasks/";

    /// <summary>Written by the agent into its state directory once it listens; read by the local runtime.</summary>
    public const string RuntimeFileName = "agent.json";

    /// <summary>
    /// Set by the web app on a forwarded connection for a user who may watch but not type (a read-only share): the agent
    /// then refuses input and changes. The web app removes it from what browsers send; only the web app can set it.
    /// </summary>
    public const string AccessHeader = "X-Workspaces-Access";

    /// <summary>The <see cref="AccessHeader"/> value for a watch-only connection.</summary>
    public const string ReadOnlyAccess = "read-only";

    /// <summary>
    /// GET <c>/relay/{port}</c> with <c>Connection: Upgrade</c> and <c>Upgrade: </c><see cref="RelayUpgrade"/>: the agent
    /// answers 101 and from then on copies bytes between this connection and a TCP connection to the loopback address a
    /// process of the workspace listens on at that port. How the web app reaches listeners bound only to loopback in a
    /// pod. Refusals come before the upgrade: 400 port out of range, 403 the agent's own port, 404 nothing of the
    /// workspace listens there on loopback, 426 not an upgrade, 502 the connection to the listener failed.
    /// </summary>
    public const string RelayPathPrefix = "/relay/";

    /// <summary>The <c>Upgrade</c> token of the relay.</summary>
    public const string RelayUpgrade = "workspaces-relay";

    /// <summary>
    /// The relay's other <c>Upgrade</c> token, for an agent on a Unix socket (a sandboxed local workspace): after the same
    /// checks the agent connects to the listener itself and hands that connected socket to the web app with the 101
    /// (<see cref="SocketHandOver"/>), then closes this connection. The web app then talks to the listener directly; no
    /// byte of the preview crosses the agent. An agent that does not know it answers 426, and the web app asks again
    /// with <see cref="RelayUpgrade"/>.
    /// </summary>
    public const string RelaySocketUpgrade = "workspaces-relay-socket";

    /// <summary>
    /// GET <c>/ssh</c> with <c>Connection: Upgrade</c> and <c>Upgrade: </c><see cref="SshUpgrade"/>: the agent answers 101
    /// and connects this connection to a new OpenSSH <c>sshd -i</c> of the workspace, which accepts only certificates
    /// signed by the workspace's own CA (<see cref="SshCertificatePath"/>). A plain GET answers 204 with the user and host
    /// key headers. Refusals come before the upgrade: 426 not an upgrade, 501 the image has no sshd, 503 sshd could not
    /// be prepared (its reason in the body).
    /// </summary>
    public const string SshPath = "/ssh";

    /// <summary>
    /// POST <c>/ssh/certificate</c> with an <c>AgentSshCertificateRequest</c>: a user certificate for the workspace's user,
    /// signed by the workspace's CA, answered as an <c>AgentSshCertificate</c>; 400 for a malformed key.
    /// </summary>
    public const string SshCertificatePath = "/ssh/certificate";

    /// <summary>The <c>Upgrade</c> token of the SSH stream.</summary>
    public const string SshUpgrade = "workspaces-ssh";

    /// <summary>
    /// The SSH stream's other <c>Upgrade</c> token, for an agent on a Unix socket (a sandboxed local workspace): the agent
    /// starts sshd with one end of a Unix socket pair as its standard input and output and hands the other end to the web
    /// app with the 101 (<see cref="SocketHandOver"/>, the user and host key headers in that head), then closes this
    /// connection. No byte of the session crosses the agent; the web app ends the session by closing its end, and the
    /// agent reaps sshd (and kills it when the agent stops). An agent that does not know it answers 426, and the web app
    /// asks again with <see cref="SshUpgrade"/>.
    /// </summary>
    public const string SshSocketUpgrade = "workspaces-ssh-socket";

    /// <summary>The workspace's SSH host public key (one OpenSSH public key line), on the agent's answers to <see cref="SshPath"/>.</summary>
    public const string SshHostKeyHeader = "X-Workspaces-Ssh-Host-Key";

    /// <summary>The user sshd runs as, the only one it logs in, on the agent's answers to <see cref="SshPath"/>.</summary>
    public const string SshUserHeader = "X-Workspaces-Ssh-User";

    /// <summary>Longest long poll the agent accepts.</summary>
    public static readonly TimeSpan MaxStatusWait = TimeSpan.FromSeconds(30);
}
