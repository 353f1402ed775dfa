using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceAgent.SecretFiles;

/// <summary>
/// Writes the project secrets that are injected as files, readable by the workspace's user only, and names each in the
/// environment as <c>NAME_FILE</c> (the convention of container secrets).
/// </summary>
public static class SecretFileWriter
{
    public static void WriteAll(AgentBootstrap bootstrap, WorkspaceLayout layout)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        ArgumentNullException.ThrowIfNull(layout);
        if (bootstrap.Files is not { Count: > 0 } files || OperatingSystem.IsWindows())
        {
            return;
        }

        Directory.CreateDirectory(layout.SecretsDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var file in files)
        {
            var path = PathOf(layout, file.Name);
            using var stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            using var writer = new StreamWriter(stream);
            writer.Write(file.Content);
        }
    }

    /// <summary>The <c>NAME_FILE</c> variables for the files in the bootstrap.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Variables(AgentBootstrap bootstrap)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        var layout = new WorkspaceLayout(bootstrap.WorkspaceDirectory, bootstrap.CheckoutDirectoryName);
        return (bootstrap.Files ?? []).Select(f => KeyValuePair.Create(f.Name + "_FILE", PathOf(layout, f.Name)));
    }

    // The web app validates names as variable names; a path separator here would still never leave the directory.
    private static string PathOf(WorkspaceLayout layout, string name) => Path.Combine(layout.SecretsDirectory, Path.GetFileName(name));
}
