namespace Workspaces.TestSupport.Git;

/// <summary>
/// Describes a repository's history (files, commits, branches) and builds it as a bare repository with the git CLI.
/// Steps run in order when <see cref="BuildAsync"/> is called; changes not yet committed are committed at the end.
/// </summary>
/// <example><code>
/// var repo = await new GitRepositoryBuilder()
///     .WithFile("README.md", "hello")
///     .WithGitpodYml("tasks:\n  - command: echo hi\n")
///     .Commit("Initial commit")
///     .CreateBranch("feature")
///     .WithRandomFiles(count: 10, bytesEach: 1024)
///     .Commit("Feature work")
///     .BuildAsync(directory);
/// </code></example>
public sealed class GitRepositoryBuilder
{
    private readonly List<Func<BuildContext, CancellationToken, Task>> _steps = [];

    public GitRepositoryBuilder(string defaultBranch = "main")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(defaultBranch);
        DefaultBranch = defaultBranch;
    }

    public string DefaultBranch { get; }

    public GitRepositoryBuilder WithFile(string relativePath, string content) =>
        WithFile(relativePath, System.Text.Encoding.UTF8.GetBytes(content));

    public GitRepositoryBuilder WithFile(string relativePath, byte[] content) => AddStep(async (context, ct) =>
    {
        var path = context.PathOf(relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, content, ct);
        context.HasPendingChanges = true;
    });

    /// <summary>Adds a file of incompressible bytes (pack size ≈ file size), reproducible from <paramref name="seed"/>.</summary>
    public GitRepositoryBuilder WithRandomFile(string relativePath, int sizeBytes, int seed = 1) =>
        WithFile(relativePath, RandomBytes(sizeBytes, seed));

    /// <summary>Adds <paramref name="count"/> files of incompressible bytes under <paramref name="directory"/>, spread over subfolders of 100.</summary>
    public GitRepositoryBuilder WithRandomFiles(int count, int bytesEach, string directory = "data", int seed = 1) => AddStep(async (context, ct) =>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (var i = 0; i < count; i++)
        {
            var path = context.PathOf(Path.Combine(directory, $"{i / 100:D3}", $"file-{i:D5}.bin"));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, RandomBytes(bytesEach, unchecked((seed * 100_003) + i)), ct);
        }

        context.HasPendingChanges = true;
    });

    public GitRepositoryBuilder WithGitpodYml(string yaml) => WithFile(".gitpod.yml", yaml);

    public GitRepositoryBuilder DeleteFile(string relativePath) => AddStep((context, _) =>
    {
        File.Delete(context.PathOf(relativePath));
        context.HasPendingChanges = true;
        return Task.CompletedTask;
    });

    public GitRepositoryBuilder Commit(string message = "Update") => AddStep((context, ct) => context.CommitAsync(message, ct));

    /// <summary>Commits what is pending, then creates <paramref name="name"/> from the current branch and switches to it.</summary>
    public GitRepositoryBuilder CreateBranch(string name) => AddStep(async (context, ct) =>
    {
        await context.CommitPendingAsync(ct);
        await context.GitAsync(ct, "switch", "-c", name);
        context.Branches.Add(name);
    });

    public GitRepositoryBuilder SwitchToBranch(string name) => AddStep(async (context, ct) =>
    {
        await context.CommitPendingAsync(ct);
        await context.GitAsync(ct, "switch", name);
    });

    public GitRepositoryBuilder Tag(string name) => AddStep(async (context, ct) =>
    {
        await context.CommitPendingAsync(ct);
        await context.GitAsync(ct, "tag", name);
    });

    /// <summary>Runs the steps in a scratch work tree and pushes every branch and tag into a new bare repository at <paramref name="bareRepositoryPath"/>.</summary>
    public async Task<GitTestRepository> BuildAsync(string bareRepositoryPath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bareRepositoryPath);
        using var workTree = Files.TempDirectory.Create("ws-gitbuild");
        var context = new BuildContext(workTree.Path, DefaultBranch);
        await context.GitAsync(cancellationToken, "init", "--quiet", "--initial-branch", DefaultBranch, ".");
        if (_steps.Count == 0)
        {
            await File.WriteAllTextAsync(context.PathOf("README.md"), "# Test repository\n", cancellationToken);
            context.HasPendingChanges = true;
        }

        foreach (var step in _steps)
        {
            await step(context, cancellationToken);
        }

        await context.CommitPendingAsync(cancellationToken);

        Directory.CreateDirectory(bareRepositoryPath);
        await GitCli.RunAsync(bareRepositoryPath, ["init", "--quiet", "--bare", "--initial-branch", DefaultBranch, "."], cancellationToken);
        await context.GitAsync(cancellationToken, "push", "--quiet", bareRepositoryPath, "refs/heads/*:refs/heads/*", "refs/tags/*:refs/tags/*");
        return new GitTestRepository(Path.GetFullPath(bareRepositoryPath), DefaultBranch, [.. context.Branches]);
    }

    private GitRepositoryBuilder AddStep(Func<BuildContext, CancellationToken, Task> step)
    {
        _steps.Add(step);
        return this;
    }

    private static byte[] RandomBytes(int size, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        var bytes = new byte[size];
#pragma warning disable CA5394 // Reproducible test content, not security.
        new Random(seed).NextBytes(bytes);
#pragma warning restore CA5394
        return bytes;
    }

    private sealed class BuildContext(string workTree, string defaultBranch)
    {
        public bool HasPendingChanges { get; set; }

        public bool HasCommits { get; private set; }

        public List<string> Branches { get; } = [defaultBranch];

        public string PathOf(string relativePath)
        {
            var full = Path.GetFullPath(Path.Combine(workTree, relativePath));
            if (!full.StartsWith(workTree + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new ArgumentException($"'{relativePath}' leaves the work tree.", nameof(relativePath));
            }

            return full;
        }

        public Task<string> GitAsync(CancellationToken cancellationToken, params string[] arguments) =>
            GitCli.RunAsync(workTree, arguments, cancellationToken);

        public async Task CommitAsync(string message, CancellationToken cancellationToken)
        {
            await GitAsync(cancellationToken, "add", "--all");
            await GitAsync(cancellationToken, "commit", "--quiet", "--allow-empty", "-m", message);
            HasPendingChanges = false;
            HasCommits = true;
        }

        public Task CommitPendingAsync(CancellationToken cancellationToken) =>
            HasPendingChanges || !HasCommits ? CommitAsync(HasCommits ? "Update" : "Initial commit", cancellationToken) : Task.CompletedTask;
    }
}
