using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;

namespace Workspaces.WorkspaceAgent.Configuration;

public static class ConfigSummaries
{
    /// <summary>What the user sees about the configuration: the files read (joined when several), the image, the problems.</summary>
    public static ConfigSummary From(WorkspaceConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var source = config.Sources.Count == 0 ? null : string.Join(", ", config.Sources);
        return new ConfigSummary(source, config.Image, config.Warnings, config.Errors);
    }
}
