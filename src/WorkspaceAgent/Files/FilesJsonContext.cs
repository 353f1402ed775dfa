using System.Text.Json.Serialization;
using Workspaces.Shared.Files;
using Workspaces.Shared.SourceControl;

namespace Workspaces.WorkspaceAgent.Files;

/// <summary>
/// The file and source control hubs' types, carried as MessagePack by <see cref="Hubs.JsonHubValueCodec"/>. Property
/// names as declared and enums as names, like SignalR's own MessagePack resolver (and the terminal hub); read
/// case-insensitively so camelCase clients work too.
/// </summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(DirectoryListing))]
[JsonSerializable(typeof(FileContent))]
[JsonSerializable(typeof(SaveFileRequest))]
[JsonSerializable(typeof(SaveResult))]
[JsonSerializable(typeof(FileEntry))]
[JsonSerializable(typeof(FileChanges))]
[JsonSerializable(typeof(QuickOpenResult))]
[JsonSerializable(typeof(SearchRequest))]
[JsonSerializable(typeof(SearchResult))]
[JsonSerializable(typeof(GitStatus))]
[JsonSerializable(typeof(GitDiffContents))]
[JsonSerializable(typeof(GitResult))]
[JsonSerializable(typeof(GitBranches))]
[JsonSerializable(typeof(GitSummary))]
internal sealed partial class FilesJsonContext : JsonSerializerContext;
