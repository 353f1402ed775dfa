namespace Workspaces.TestSupport.Files;

/// <summary>A fresh directory under the system temp folder, deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    private TempDirectory(string path) => Path = path;

    public string Path { get; }

    public static TempDirectory Create(string prefix = "ws-test")
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid().ToString("N")[..12]}");
        Directory.CreateDirectory(path);
        return new TempDirectory(path);
    }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose() => DeleteRecursively(Path);

    /// <summary>Deletes a directory tree, also when it holds read-only files (Git's object store does).</summary>
    public static void DeleteRecursively(string path)
    {
        if (!Directory.Exists(path))
        {
            return;
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // Never through a symbolic link: a test's link to /etc must not make us touch /etc.
                var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
                foreach (var file in Directory.EnumerateFiles(path, "*", options))
                {
                    File.SetAttributes(file, FileAttributes.Normal);
                }

                Directory.Delete(path, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && attempt < 3)
            {
                // A process that is still exiting (a killed task, git) may still be writing into the tree.
                Thread.Sleep(50 * (attempt + 1));
            }
        }
    }
}
