using System.Text.Json;
using System.Text.Json.Serialization;
using Workspaces.Cli.Configuration;
using Workspaces.Shared.Ssh;

namespace Workspaces.Cli.Api;

/// <summary>
/// Every typed JSON shape the CLI reads or writes, generated at build time: the tool is Native AOT, where reflection-based
/// serialization is unavailable (answers are read as <see cref="System.Text.Json.Nodes.JsonNode"/>, which needs none).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredLogin))]
[JsonSerializable(typeof(SshCertificateRequest))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
