namespace Workspaces.Shared.Languages;

/// <summary>
/// The language hub the agent serves at <see cref="Path"/> (SignalR, MessagePack): Language Server Protocol messages
/// between the editor and the language servers the agent runs in the workspace, one server per language shared by every
/// connection. Messages are JSON-RPC texts without the <c>Content-Length</c> framing.
/// </summary>
/// <remarks>
/// Hub methods (client → agent):
/// <list type="bullet">
/// <item><c>ChannelReader&lt;string&gt; Connect(string language)</c>: attaches this connection to the server for a Monaco
/// language id (<c>typescript</c>, <c>python</c>…); the stream carries the server's messages for this client, and the
/// agent's own notifications <see cref="StatusMethod"/> and <see cref="LogMethod"/>.</item>
/// <item><c>void Deliver(string language, string message)</c>: one JSON-RPC message for that server (after <c>Connect</c>).</item>
/// <item><c>IReadOnlyList&lt;LanguageServerStatus&gt; Servers()</c>: every server the agent knows of, with its memory.</item>
/// </list>
/// Documents are synchronized in full (<c>TextDocumentSyncKind.Full</c>): the agent shares one copy of each open document
/// between the clients and replays it to a restarted server.
/// </remarks>
public static class LanguagesHubContract
{
    public const string Path = "/hubs/languages";

    /// <summary>Notification (agent → client): a <see cref="LanguageServerStatus"/> as <c>params</c>.</summary>
    public const string StatusMethod = "$/workspaces/status";

    /// <summary>Notification (agent → client): <c>{ "text": "…" }</c>, a line of the server's log (stderr, agent notes).</summary>
    public const string LogMethod = "$/workspaces/log";
}

public enum LanguageServerState
{
    Starting,
    Ready,
    Missing,
    Crashed,
    Stopped,

    /// <summary>No server is configured for the language (Markdown, plain text…): nothing to start and nothing to say.</summary>
    NotConfigured,
}

/// <param name="Server">The table's name for the server (<c>typescript</c>, <c>python</c>…).</param>
/// <param name="Languages">The Monaco language ids it serves.</param>
/// <param name="Message">What the user should know: the missing command and what to install, the crash and when it restarts.</param>
/// <param name="MemoryBytes">Resident memory of the server and its child processes; null when not running.</param>
/// <param name="RootUri">The workspace root (a <c>file:</c> URI) documents must be under.</param>
public sealed record LanguageServerStatus(
    string Server,
    IReadOnlyList<string> Languages,
    LanguageServerState State,
    string Message,
    long? MemoryBytes,
    string RootUri);

/// <summary>One row of the language server table: which languages a server serves and how to start it.</summary>
/// <param name="Name">The row's key (<c>typescript</c>); a row of the same name in a later layer replaces it.</param>
/// <param name="Languages">Monaco language ids.</param>
/// <param name="Command">An executable on the workspace's <c>PATH</c>, or an absolute path; empty turns the row off.</param>
/// <param name="Arguments">Its arguments (<c>--stdio</c>).</param>
/// <param name="Install">What to tell the user when the command is not found.</param>
public sealed record LanguageServerDefinition(
    string Name,
    IReadOnlyList<string> Languages,
    string Command,
    IReadOnlyList<string> Arguments,
    string Install);

/// <summary>The administrator's language settings, passed to the agent in its bootstrap.</summary>
/// <param name="Servers">Rows that replace or add to the defaults (by <see cref="LanguageServerDefinition.Name"/>).</param>
/// <param name="IdleTimeout">A server nobody used for this long is stopped.</param>
/// <param name="RequestTimeout">A request the server has not answered in this time is cancelled.</param>
/// <param name="AllowRepositoryServers">Whether a repository's own configuration may change the table.</param>
public sealed record LanguageSettings(
    IReadOnlyList<LanguageServerDefinition> Servers,
    TimeSpan IdleTimeout,
    TimeSpan RequestTimeout,
    bool AllowRepositoryServers = true);
