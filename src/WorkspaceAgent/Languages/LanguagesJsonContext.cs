using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Workspaces.Shared.Languages;

namespace Workspaces.WorkspaceAgent.Languages;

/// <summary>The JSON the language hub writes itself (AOT: source-generated).</summary>
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(LanguageServerStatus))]
[JsonSerializable(typeof(LanguageServerStatus[]))]
internal sealed partial class LanguagesJsonContext : JsonSerializerContext;
