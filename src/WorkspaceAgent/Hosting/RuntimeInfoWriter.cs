using System.Text.Json;
using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceAgent.Hosting;

/// <summary>Publishes where the agent listens (<see cref="WorkspaceLayout.RuntimeFile"/>) for the local runtime to find it.</summary>
public static class RuntimeInfoWriter
{
    /// <summary>Removes the file an earlier run left, so that until this run listens nobody reads a dead agent's URL.</summary>
    public static void DeleteStale(WorkspaceLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (File.Exists(layout.RuntimeFile))
        {
            File.Delete(layout.RuntimeFile);
        }
    }

    /// <summary>Writes to a temporary file and renames it over the old one, so a reader never sees half a file.</summary>
    public static async Task WriteAsync(WorkspaceLayout layout, AgentRuntimeInfo info, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Directory.CreateDirectory(layout.StateDirectory);
        var temporary = $"{layout.RuntimeFile}.{Environment.ProcessId}.tmp";
        await using (var stream = File.Create(temporary))
        {
            await JsonSerializer.SerializeAsync(stream, info, AgentJsonContext.Default.AgentRuntimeInfo, cancellationToken);
        }

        File.Move(temporary, layout.RuntimeFile, overwrite: true);
    }
}
