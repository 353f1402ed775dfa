using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workspaces.Shared.Agent;

/// <summary>The JSON settings both ends of the agent protocol use.</summary>
public static class AgentJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };
}
