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
