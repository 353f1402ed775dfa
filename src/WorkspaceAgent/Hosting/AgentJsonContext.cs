using System.Text.Json;
using System.Text.Json.Serialization;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceAgent.Cloning;

namespace Workspaces.WorkspaceAgent.Hosting;

/// <summary>
/// Every JSON shape the agent reads or writes: web defaults (camelCase, case-insensitive) and enums as strings.
/// Source-generated, so serializing needs no reflection warm-up (start time, memory).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(AgentBootstrap))]
[JsonSerializable(typeof(AgentRuntimeInfo))]
[JsonSerializable(typeof(AgentStatus))]
[JsonSerializable(typeof(CloneWorkerRequest))]
[JsonSerializable(typeof(CloneWorkerMessage))]
[JsonSerializable(typeof(Workspaces.Shared.Ssh.AgentSshCertificateRequest))]
[JsonSerializable(typeof(Workspaces.Shared.Ssh.AgentSshCertificate))]
public sealed partial class AgentJsonContext : JsonSerializerContext;
