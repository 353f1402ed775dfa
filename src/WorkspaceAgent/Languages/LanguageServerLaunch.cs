namespace Workspaces.WorkspaceAgent.Languages;

/// <summary>Where language servers run: the checkout (their root) and the environment a terminal of the workspace gets.</summary>
public sealed class LanguageServerLaunch(string rootDirectory, Func<IReadOnlyDictionary<string, string>> environment)
{
    public string RootDirectory { get; } = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootDirectory));

    /// <summary>The root as a <c>file:</c> URI, without a trailing slash.</summary>
    public string RootUri => new Uri(RootDirectory).AbsoluteUri.TrimEnd('/');

    public IReadOnlyDictionary<string, string> Environment() => environment();

    /// <summary>Whether a document URI names a file under the root (no <c>..</c> escapes, no other scheme).</summary>
    public bool IsInWorkspace(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || !parsed.IsFile)
        {
            return false;
        }

        var path = Path.GetFullPath(parsed.LocalPath);
        return path.StartsWith(RootDirectory + "/", StringComparison.Ordinal);
    }
}
