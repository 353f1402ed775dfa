namespace Workspaces.WorkspaceAgent.Cloning;

/// <summary>How to start the agent's own binary as a clone worker.</summary>
public sealed record CloneWorkerCommand(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>
    /// The running agent: its native executable or app host, or <c>dotnet Workspaces.WorkspaceAgent.dll</c> when
    /// started through the muxer.
    /// </summary>
    public static CloneWorkerCommand ForCurrentProcess()
    {
        var processPath = Environment.ProcessPath ?? throw new InvalidOperationException("The agent's executable path is unknown.");
        return Path.GetFileNameWithoutExtension(processPath) == "dotnet"
            ? new CloneWorkerCommand(processPath, [Path.Combine(AppContext.BaseDirectory, $"{typeof(CloneWorkerCommand).Assembly.GetName().Name}.dll")])
            : new CloneWorkerCommand(processPath, []);
    }

    /// <summary>The agent app host in <paramref name="directory"/> (e.g. the <c>agent/</c> folder next to a test assembly).</summary>
    public static CloneWorkerCommand InDirectory(string directory) =>
        new(Path.Combine(directory, "Workspaces.WorkspaceAgent"), []);
}
