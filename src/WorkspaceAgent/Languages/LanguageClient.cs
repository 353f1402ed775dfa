using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Workspaces.WorkspaceAgent.Languages;

/// <summary>
/// One editor connection attached to one language server: the messages waiting for it in a bounded queue (a client
/// further behind than that is disconnected rather than grow the agent's memory) and the documents it opened.
/// </summary>
public sealed class LanguageClient(string connectionId, bool readOnly, int capacity)
{
    private readonly Channel<string> _out = Channel.CreateBounded<string>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public string ConnectionId { get; } = connectionId;

    public bool ReadOnly { get; } = readOnly;

    public HashSet<string> Documents { get; } = new(StringComparer.Ordinal);

    public ChannelReader<string> Reader => _out.Reader;

    public bool Closed { get; private set; }

    internal void Post(JsonObject message) => Post(JsonSerializer.Serialize(message, LanguagesJsonContext.Default.JsonObject));

    internal void Post(string message)
    {
        if (!Closed && !_out.Writer.TryWrite(message))
        {
            Close("The language server sent more than this editor could take in time, so this connection was closed. Reload the page to reconnect.");
        }
    }

    internal void Close(string? error = null)
    {
        Closed = true;
        _out.Writer.TryComplete(error is null ? null : new Microsoft.AspNetCore.SignalR.HubException(error));
    }
}
