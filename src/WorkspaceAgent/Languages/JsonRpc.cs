using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workspaces.WorkspaceAgent.Languages;

/// <summary>JSON-RPC 2.0 messages the agent writes itself.</summary>
internal static class JsonRpc
{
    public const int MethodNotFound = -32601;
    public const int InternalError = -32603;
    public const int RequestFailed = -32803;
    public const int RequestCancelled = -32800;

    public static JsonObject Notification(string method, JsonNode? parameters) =>
        new() { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters };

    public static JsonObject Request(JsonNode id, string method, JsonNode? parameters) =>
        new() { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters };

    public static JsonObject Result(JsonNode? id, JsonNode? result) =>
        new() { ["jsonrpc"] = "2.0", ["id"] = id, ["result"] = result };

    public static JsonObject Error(JsonNode? id, int code, string message) =>
        new() { ["jsonrpc"] = "2.0", ["id"] = id, ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };

    public static string? Method(JsonObject message) =>
        message.TryGetPropertyValue("method", out var method) && method is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    public static JsonNode? Id(JsonObject message) =>
        message.TryGetPropertyValue("id", out var id) ? id : null;

    public static string? String(JsonNode? node, string name) =>
        node is JsonObject o && o.TryGetPropertyValue(name, out var value) && value is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    /// <summary>
    /// Reads a whole message once with a token reader, as strictly as <see cref="JsonNode.Parse(ReadOnlySpan{byte}, JsonNodeOptions?, JsonDocumentOptions)"/>
    /// (a <see cref="JsonException"/> if it is not JSON), and says where its top-level <c>id</c> is and whether it names a
    /// method. False if it is not a JSON object.
    /// </summary>
    public static bool TryScan(ReadOnlySpan<byte> json, out JsonRpcShape shape)
    {
        shape = default;
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        bool hasMethod = false, methodSeen = false, idSeen = false, unique = true;
        Range id = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isId = reader.ValueTextEquals("id"u8);
            var isMethod = !isId && reader.ValueTextEquals("method"u8);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (isId)
            {
                unique &= !idSeen;
                idSeen = true;
                id = reader.TokenType is JsonTokenType.Number or JsonTokenType.String ? new Range(start, (int)reader.BytesConsumed) : default;
            }
            else if (isMethod)
            {
                unique &= !methodSeen;
                methodSeen = true;
                hasMethod = reader.TokenType == JsonTokenType.String;
            }
        }

        // Past the object only whitespace may follow; anything else throws here.
        while (reader.Read())
        {
        }

        shape = new JsonRpcShape(hasMethod, id, unique);
        return true;
    }

    /// <summary>An integer id (the agent numbers its requests to a server), or null.</summary>
    public static long? IntegerId(ReadOnlySpan<byte> id) =>
        Utf8Parser.TryParse(id, out long value, out var consumed) && consumed == id.Length ? value : null;

    /// <summary>Methods a read-only connection may use: those that only look.</summary>
    public static bool Looks(string method) => method switch
    {
        "initialize" or "initialized" or "shutdown" or "exit" or "$/cancelRequest" or "$/setTrace" => true,
        "textDocument/didOpen" or "textDocument/didClose" => true,
        "textDocument/hover" or "textDocument/definition" or "textDocument/declaration" or "textDocument/typeDefinition"
            or "textDocument/implementation" or "textDocument/references" or "textDocument/documentSymbol"
            or "textDocument/documentHighlight" or "textDocument/foldingRange" or "textDocument/selectionRange"
            or "textDocument/documentLink" or "textDocument/semanticTokens/full" or "textDocument/semanticTokens/range"
            or "textDocument/diagnostic" or "workspace/symbol" => true,
        _ => false,
    };
}

/// <summary>What <see cref="JsonRpc.TryScan"/> found: whether the message names a method and where its id is.</summary>
internal readonly record struct JsonRpcShape(bool HasMethod, Range Id, bool Unique)
{
    /// <summary>An answer with a number or string id and each member once: it can pass through with only its id replaced.</summary>
    public bool IsResponse => !HasMethod && Unique && !Id.Equals(default(Range));
}
