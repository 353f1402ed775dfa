using Workspaces.TestSupport.Files;

namespace Workspaces.TestSupport.Git;

/// <summary>A folder of bare test repositories, deleted on dispose. Share one per test class (an xunit class fixture) or make one per test.</summary>
public sealed class GitRepositoryFixture : IDisposable
{
    private readonly TempDirectory _root = TempDirectory.Create("ws-repos");

    public string RootDirectory => _root.Path;

    /// <summary>Builds <c>{RootDirectory}/{name}.git</c>; <paramref name="name"/> may contain slashes (<c>org/repo</c>).</summary>
    public Task<GitTestRepository> CreateAsync(string name, GitRepositoryBuilder builder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.BuildAsync(PathFor(name), cancellationToken);
    }

    /// <summary>Builds a repository with one commit holding a README on <c>main</c>.</summary>
    public Task<GitTestRepository> CreateAsync(string name, CancellationToken cancellationToken = default) =>
        CreateAsync(name, new GitRepositoryBuilder(), cancellationToken);

    public string PathFor(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var path = Path.GetFullPath(Path.Combine(RootDirectory, name + ".git"));
        if (!path.StartsWith(RootDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' leaves the fixture's folder.", nameof(name));
        }

        return path;
    }

    public void Dispose() => _root.Dispose();
}
