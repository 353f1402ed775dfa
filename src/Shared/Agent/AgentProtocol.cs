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

    /// <summary>Longest long poll the agent accepts.</summary>
    public static readonly TimeSpan MaxStatusWait = TimeSpan.FromSeconds(30);
}
