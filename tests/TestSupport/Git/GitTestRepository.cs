namespace Workspaces.TestSupport.Git;

/// <summary>A bare repository on disk, made by <see cref="GitRepositoryBuilder"/>.</summary>
/// <param name="Path">The bare repository's directory.</param>
/// <param name="DefaultBranch">Where the repository's HEAD points.</param>
/// <param name="Branches">Every branch that was pushed into it.</param>
public sealed record GitTestRepository(string Path, string DefaultBranch, IReadOnlyList<string> Branches)
{
    /// <summary>The repository as a <c>file://</c> URL, which clients fetch through the Git protocol (not a plain copy).</summary>
    public string FileUrl => new Uri(Path).AbsoluteUri;
}
