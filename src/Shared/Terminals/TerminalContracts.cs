namespace Workspaces.Shared.Terminals;

/// <summary>
/// The terminal hub the agent serves at <see cref="Path"/> (SignalR, MessagePack protocol so output travels as binary).
/// The browser reaches it only through the web app, which authorizes the user for the workspace and forwards the
/// WebSocket with the agent secret.
/// </summary>
/// <remarks>
/// Hub methods (client → agent):
/// <list type="bullet">
/// <item><c>Task&lt;IReadOnlyList&lt;TerminalInfo&gt;&gt; ListTerminals()</c></item>
/// <item><c>Task&lt;TerminalInfo&gt; CreateTerminal(CreateTerminalRequest request)</c></item>
/// <item><c>ChannelReader&lt;TerminalFrame&gt; Attach(string terminalId, long fromOffset, CancellationToken)</c>: a stream of
/// output frames from <c>fromOffset</c> (0 for everything still in the scrollback), then live output.</item>
/// <item><c>Task Input(string terminalId, byte[] data)</c></item>
/// <item><c>Task Resize(string terminalId, int columns, int rows)</c></item>
/// <item><c>Task Acknowledge(string terminalId, long offset)</c>: the client rendered everything before <c>offset</c>
/// (flow control: output is held back when a client falls more than a window behind).</item>
/// <item><c>Task Rename(string terminalId, string name)</c>, <c>Task Close(string terminalId)</c></item>
/// </list>
/// Client methods (agent → every connected client): <c>TerminalsChanged(IReadOnlyList&lt;TerminalInfo&gt;)</c>.
/// </remarks>
public static class TerminalsHubContract
{
    public const string Path = "/hubs/terminals";

    public const string TerminalsChanged = nameof(TerminalsChanged);
}

/// <param name="Name">Shown on the tab; defaults to the shell's name or the task's name.</param>
/// <param name="TaskIndex">Set for the terminal of a configured task (<c>.gitpod.yml</c> / devcontainer).</param>
/// <param name="ExitCode">Set once the process ended; the terminal stays listed so its output can be read.</param>
public sealed record TerminalInfo(
    string Id,
    string Name,
    int Columns,
    int Rows,
    int? TaskIndex,
    bool Exited,
    int? ExitCode,
    DateTimeOffset CreatedAt);

/// <param name="Columns">Initial size; the client resizes once its view is laid out.</param>
public sealed record CreateTerminalRequest(string? Name, int Columns, int Rows);

public enum TerminalFrameKind
{
    /// <summary><see cref="TerminalFrame.Data"/> holds output starting at <see cref="TerminalFrame.Offset"/>.</summary>
    Output,

    /// <summary>The requested offset is no longer in the scrollback; output resumes at <see cref="TerminalFrame.Offset"/>.</summary>
    Gap,

    /// <summary>The process ended with <see cref="TerminalFrame.ExitCode"/>.</summary>
    Exited,
}

/// <summary>One frame of a terminal's output stream. Offsets are absolute byte positions since the terminal started.</summary>
public sealed record TerminalFrame(TerminalFrameKind Kind, long Offset, byte[] Data, int? ExitCode);
