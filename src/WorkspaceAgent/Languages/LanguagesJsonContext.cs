using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Workspaces.Shared.Languages;

namespace Workspaces.WorkspaceAgent.Languages;

/// <summary>The JSON-RPC text the language hub writes itself (camelCase, as LSP). AOT: source-generated.</summary>
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(LanguageServerStatus))]
internal sealed partial class LanguagesJsonContext : JsonSerializerContext;

/// <summary>The hub's own results as MessagePack (PascalCase keys, as SignalR's resolver writes them; see JsonHubValueCodec).</summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(LanguageServerStatus[]))]
internal sealed partial class LanguagesHubJsonContext : JsonSerializerContext;
