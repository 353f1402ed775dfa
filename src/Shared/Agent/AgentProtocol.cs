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

    /// <summary>Longest long poll the agent accepts.</summary>
    public static readonly TimeSpan MaxStatusWait = TimeSpan.FromSeconds(30);
}
