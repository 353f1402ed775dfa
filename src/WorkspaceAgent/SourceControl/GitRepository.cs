using System.Text;
using Workspaces.Shared.Agent;
using Workspaces.Shared.SourceControl;
using Workspaces.WorkspaceAgent.Files;

namespace Workspaces.WorkspaceAgent.SourceControl;

/// <summary>Source control of the checkout, through the git command line (see <see cref="GitProcess"/> for why).</summary>
public sealed class GitRepository(WorkspacePaths paths, AgentBootstrap bootstrap, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan NetworkTimeout = TimeSpan.FromMinutes(5);

    private readonly GitProcess _git = new(paths.Root, bootstrap.Environment);

    // git takes its own index lock; ours only keeps two of our operations from tripping over it.
    private readonly SemaphoreSlim _lock = new(1, 1);

    public void Dispose() => _lock.Dispose();

    public bool IsRepository => Directory.Exists(Path.Combine(paths.Root, ".git")) || File.Exists(Path.Combine(paths.Root, ".git"));

    /// <param name="everyUntrackedFile">List each untracked file (the source control view) rather than untracked folders (a count is enough).</param>
    public async Task<GitStatus> StatusAsync(CancellationToken cancellationToken, bool everyUntrackedFile = true)
    {
        if (!IsRepository)
        {
            return new GitStatus(false, null, null, 0, 0, 0, [], "This workspace is not a Git repository.");
        }

        GitOutput output;
        try
        {
            output = await _git.RunAsync(["status", "--porcelain=v2", "--branch", "-z", everyUntrackedFile ? "--untracked-files=all" : "--untracked-files=normal"], cancellationToken, ReadOnly);
        }
        catch (GitMissingException ex)
        {
            return new GitStatus(true, null, null, 0, 0, 0, [], ex.Message);
        }

        if (!output.Succeeded)
        {
            return new GitStatus(true, null, null, 0, 0, 0, [], output.Error.Trim());
        }

        var status = ParseStatus(output.Output);
        return status with { Unpushed = await UnpushedAsync(cancellationToken) };
    }

    /// <summary>What the dashboard shows: uncommitted changes and commits no remote has.</summary>
    public async Task<GitSummary?> SummaryAsync(CancellationToken cancellationToken)
    {
        var status = await StatusAsync(cancellationToken, everyUntrackedFile: false);
        return status.IsRepository && status.Error is null
            ? new GitSummary(status.Branch, status.Changes.Count, status.Unpushed, time.GetUtcNow())
            : null;
    }

    /// <summary>The two sides of a change for the diff editor.</summary>
    public async Task<GitDiffContents> DiffAsync(string path, bool staged, CancellationToken cancellationToken)
    {
        var full = paths.Resolve(path);
        var relative = paths.Relative(full);
        var original = await ShowAsync(staged ? $"HEAD:{relative}" : $":{relative}", cancellationToken)
            ?? (staged ? null : await ShowAsync($"HEAD:{relative}", cancellationToken)); // Unstaged and not in the index: compare with HEAD.
        byte[]? modified = staged
            ? await ShowAsync($":{relative}", cancellationToken)
            : File.Exists(full) ? await File.ReadAllBytesAsync(full, cancellationToken) : null;
        var left = original is null ? DecodedText.Empty : TextCodec.Decode(original);
        var right = modified is null ? DecodedText.Empty : TextCodec.Decode(modified);
        var binary = left.Text is null || right.Text is null;
        return new GitDiffContents(relative, left.Text ?? string.Empty, right.Text ?? string.Empty, binary);
    }

    public Task<GitResult> StageAsync(IReadOnlyList<string> files, CancellationToken cancellationToken) =>
        WithPathsAsync(files, relative => ["add", "-A", "--", .. relative], cancellationToken);

    public async Task<GitResult> UnstageAsync(IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        var hasHead = (await _git.RunAsync(["rev-parse", "--verify", "-q", "HEAD"], cancellationToken)).Succeeded;
        return await WithPathsAsync(
            files,
            relative => hasHead ? ["restore", "--staged", "--", .. relative] : ["rm", "--cached", "-r", "-q", "--", .. relative],
            cancellationToken);
    }

    public async Task<GitResult> CommitAsync(string message, GitIdentity? identity, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return new GitResult(false, GitErrorKind.Failed, "Enter a commit message.");
        }

        var environment = await IdentityEnvironmentAsync(identity, cancellationToken);
        var output = await LockedAsync(() => _git.RunAsync(["commit", "-m", message], cancellationToken, environment), cancellationToken);
        if (output.Succeeded)
        {
            return new GitResult(true, GitErrorKind.None, FirstLine(output.Text));
        }

        var all = output.Text + output.Error;
        return all.Contains("nothing to commit", StringComparison.Ordinal) || all.Contains("no changes added to commit", StringComparison.Ordinal)
            ? new GitResult(false, GitErrorKind.NothingToCommit, "Nothing is staged: stage the changes to commit first.")
            : all.Contains("Please tell me who you are", StringComparison.Ordinal)
                ? new GitResult(false, GitErrorKind.Failed, "Git does not know who you are: set user.name and user.email (git config) in a terminal.")
                : Failure(output);
    }

    /// <param name="identity">For the merge commit, when git's configuration names nobody.</param>
    public async Task<GitResult> PullAsync(GitHostCredential? credential, GitIdentity? identity, CancellationToken cancellationToken)
    {
        var environment = await IdentityEnvironmentAsync(identity, cancellationToken);
        foreach (var (key, value) in CredentialEnvironment(credential) ?? [])
        {
            environment[key] = value;
        }

        var output = await LockedAsync(() => _git.RunAsync(["pull", "--no-rebase", "--no-edit"], cancellationToken, environment, NetworkTimeout), cancellationToken);
        if (output.Succeeded)
        {
            return new GitResult(true, GitErrorKind.None, output.Text.Contains("Already up to date", StringComparison.Ordinal) ? "Already up to date." : "Pulled.");
        }

        var all = output.Text + output.Error;
        return all.Contains("CONFLICT", StringComparison.Ordinal)
            ? new GitResult(false, GitErrorKind.Conflict, "The pull merged with conflicts: resolve the conflicted files, stage them and commit.")
            : all.Contains("would be overwritten", StringComparison.Ordinal)
                ? new GitResult(false, GitErrorKind.LocalChangesWouldBeOverwritten, "Your local changes would be overwritten by the pull: commit or stash them first.")
                : all.Contains("no tracking information", StringComparison.Ordinal)
                    ? new GitResult(false, GitErrorKind.NoRemote, "This branch has no upstream branch to pull from.")
                    : ClassifyNetwork(output);
    }

    public async Task<GitResult> PushAsync(GitHostCredential? credential, CancellationToken cancellationToken)
    {
        var hasUpstream = (await _git.RunAsync(["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}"], cancellationToken)).Succeeded;
        string[] arguments = hasUpstream ? ["push"] : ["push", "--set-upstream", "origin", "HEAD"];
        var output = await LockedAsync(() => _git.RunAsync(arguments, cancellationToken, CredentialEnvironment(credential), NetworkTimeout), cancellationToken);
        if (output.Succeeded)
        {
            return new GitResult(true, GitErrorKind.None, output.Error.Contains("Everything up-to-date", StringComparison.Ordinal) ? "Everything is up to date." : "Pushed.");
        }

        var all = output.Text + output.Error;
        return all.Contains("[rejected]", StringComparison.Ordinal) && (all.Contains("non-fast-forward", StringComparison.Ordinal) || all.Contains("fetch first", StringComparison.Ordinal))
            ? new GitResult(false, GitErrorKind.NonFastForward, "The push was rejected: the remote has commits you do not have (not a fast-forward). Pull first, then push again.")
            : all.Contains("'origin' does not appear to be a git repository", StringComparison.Ordinal) || all.Contains("No configured push destination", StringComparison.Ordinal)
                ? new GitResult(false, GitErrorKind.NoRemote, "This repository has no remote named origin to push to.")
                : ClassifyNetwork(output);
    }

    public async Task<GitBranches> BranchesAsync(CancellationToken cancellationToken)
    {
        var current = await _git.RunAsync(["branch", "--show-current"], cancellationToken);
        var currentName = current.Succeeded ? current.Text.Trim() : null;
        var output = await _git.RunAsync(["for-each-ref", "--format=%(refname)", "refs/heads", "refs/remotes"], cancellationToken);
        var branches = new List<GitBranch>();
        foreach (var line in output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("refs/heads/", StringComparison.Ordinal))
            {
                var name = line["refs/heads/".Length..];
                branches.Add(new GitBranch(name, false, name == currentName));
            }
            else if (!line.EndsWith("/HEAD", StringComparison.Ordinal))
            {
                branches.Add(new GitBranch(line["refs/remotes/".Length..], true, false));
            }
        }

        return new GitBranches(string.IsNullOrEmpty(currentName) ? null : currentName, branches);
    }

    public async Task<GitResult> CreateBranchAsync(string name, CancellationToken cancellationToken)
    {
        if (!await IsValidBranchNameAsync(name, cancellationToken))
        {
            return new GitResult(false, GitErrorKind.InvalidName, $"'{name}' is not a valid branch name.");
        }

        var output = await LockedAsync(() => _git.RunAsync(["switch", "-c", name], cancellationToken), cancellationToken);
        return output.Succeeded ? new GitResult(true, GitErrorKind.None, $"Switched to a new branch '{name}'.")
            : output.Error.Contains("already exists", StringComparison.Ordinal) ? new GitResult(false, GitErrorKind.InvalidName, $"A branch named '{name}' already exists.")
            : Failure(output);
    }

    public async Task<GitResult> SwitchBranchAsync(string name, CancellationToken cancellationToken)
    {
        if (!await IsValidBranchNameAsync(name, cancellationToken))
        {
            return new GitResult(false, GitErrorKind.InvalidName, $"'{name}' is not a valid branch name.");
        }

        // A remote branch (origin/feature) becomes a local branch tracking it.
        var remote = (await BranchesAsync(cancellationToken)).Branches.FirstOrDefault(b => b.IsRemote && b.Name == name);
        string[] arguments = remote is not null ? ["switch", "--track", name] : ["switch", name];
        var output = await LockedAsync(() => _git.RunAsync(arguments, cancellationToken), cancellationToken);
        return output.Succeeded ? new GitResult(true, GitErrorKind.None, $"Switched to '{name}'.")
            : output.Error.Contains("would be overwritten", StringComparison.Ordinal)
                ? new GitResult(false, GitErrorKind.LocalChangesWouldBeOverwritten, "Your local changes would be overwritten by switching: commit or stash them first.")
                : Failure(output);
    }

    /// <summary>The parts of <c>git status --porcelain=v2 --branch -z</c> the source control view shows.</summary>
    public static GitStatus ParseStatus(byte[] output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var fields = Encoding.UTF8.GetString(output).Split('\0');
        string? branch = null, upstream = null;
        int ahead = 0, behind = 0;
        var changes = new List<GitChange>();
        for (var i = 0; i < fields.Length; i++)
        {
            var field = fields[i];
            if (field.StartsWith("# branch.head ", StringComparison.Ordinal))
            {
                var head = field["# branch.head ".Length..];
                branch = head == "(detached)" ? null : head;
            }
            else if (field.StartsWith("# branch.upstream ", StringComparison.Ordinal))
            {
                upstream = field["# branch.upstream ".Length..];
            }
            else if (field.StartsWith("# branch.ab ", StringComparison.Ordinal))
            {
                var parts = field["# branch.ab ".Length..].Split(' ');
                _ = int.TryParse(parts[0].TrimStart('+'), out ahead);
                _ = int.TryParse(parts[1].TrimStart('-'), out behind);
            }
            else if (field.StartsWith("1 ", StringComparison.Ordinal))
            {
                // 1 XY sub mH mI mW hH hI path
                var parts = field.Split(' ', 9);
                changes.Add(Change(parts[1], parts[8], null, conflicted: false));
            }
            else if (field.StartsWith("2 ", StringComparison.Ordinal))
            {
                // 2 XY sub mH mI mW hH hI Xscore path, then the original path as the next field
                var parts = field.Split(' ', 10);
                changes.Add(Change(parts[1], parts[9], i + 1 < fields.Length ? fields[++i] : null, conflicted: false));
            }
            else if (field.StartsWith("u ", StringComparison.Ordinal))
            {
                // u XY sub m1 m2 m3 mW h1 h2 h3 path
                var parts = field.Split(' ', 11);
                changes.Add(Change(parts[1], parts[10], null, conflicted: true));
            }
            else if (field.StartsWith("? ", StringComparison.Ordinal))
            {
                changes.Add(new GitChange(field[2..], null, string.Empty, "?", false));
            }
        }

        return new GitStatus(true, branch, upstream, ahead, behind, ahead, changes, null);
    }

    private static GitChange Change(string xy, string path, string? original, bool conflicted) =>
        new(path, original, xy[0] == '.' ? string.Empty : xy[..1], xy[1] == '.' ? string.Empty : xy[1..2], conflicted);

    /// <summary>Commits reachable from HEAD that no remote-tracking branch has (with or without an upstream).</summary>
    private async Task<int> UnpushedAsync(CancellationToken cancellationToken)
    {
        var output = await _git.RunAsync(["rev-list", "--count", "HEAD", "--not", "--remotes"], cancellationToken, ReadOnly);
        return output.Succeeded && int.TryParse(output.Text.Trim(), out var count) ? count : 0;
    }

    private async Task<byte[]?> ShowAsync(string spec, CancellationToken cancellationToken)
    {
        var output = await _git.RunAsync(["cat-file", "blob", spec], cancellationToken);
        return output.Succeeded ? output.Output : null;
    }

    private async Task<GitResult> WithPathsAsync(IReadOnlyList<string> files, Func<string[], string[]> arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        var relative = files.Select(f => paths.Relative(paths.Resolve(f))).Select(p => p.Length == 0 ? "." : p).ToArray();
        if (relative.Length == 0)
        {
            return new GitResult(true, GitErrorKind.None, string.Empty);
        }

        // Literal paths: a file named '*.cs' is that file, not every C# file.
        var output = await LockedAsync(() => _git.RunAsync(["--literal-pathspecs", .. arguments(relative)], cancellationToken), cancellationToken);
        return output.Succeeded ? new GitResult(true, GitErrorKind.None, string.Empty) : Failure(output);
    }

    /// <summary>When the repository and the user's git configuration name nobody, commits are the signed-in user's.</summary>
    private async Task<Dictionary<string, string>> IdentityEnvironmentAsync(GitIdentity? identity, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string>();
        if (identity is not null && !(await _git.RunAsync(["config", "user.email"], cancellationToken)).Succeeded)
        {
            environment["GIT_AUTHOR_NAME"] = environment["GIT_COMMITTER_NAME"] = identity.Name;
            environment["GIT_AUTHOR_EMAIL"] = environment["GIT_COMMITTER_EMAIL"] = identity.Email;
        }

        return environment;
    }

    private async Task<bool> IsValidBranchNameAsync(string name, CancellationToken cancellationToken) =>
        !string.IsNullOrWhiteSpace(name) && !name.StartsWith('-') &&
        (await _git.RunAsync(["check-ref-format", "--branch", name], cancellationToken)).Succeeded;

    private async Task<GitOutput> LockedAsync(Func<Task<GitOutput>> run, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            return await run();
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// The stored credential for the repository's host only, through a credential helper git asks when the server wants
    /// one; the user's own helpers are not consulted for that host. Values travel in the environment, never the command line.
    /// </summary>
    private static Dictionary<string, string>? CredentialEnvironment(GitHostCredential? credential)
    {
        if (credential is null)
        {
            return null;
        }

        const string Helper = "!f() { test \"$1\" = get && echo \"username=$WORKSPACES_GIT_USERNAME\" && echo \"password=$WORKSPACES_GIT_PASSWORD\"; }; f";
        var environment = new Dictionary<string, string>
        {
            ["WORKSPACES_GIT_USERNAME"] = credential.Username,
            ["WORKSPACES_GIT_PASSWORD"] = credential.Password,
        };
        var index = 0;
        foreach (var scheme in new[] { "https", "http" })
        {
            environment[$"GIT_CONFIG_KEY_{index}"] = $"credential.{scheme}://{credential.Host}.helper";
            environment[$"GIT_CONFIG_VALUE_{index++}"] = string.Empty;
            environment[$"GIT_CONFIG_KEY_{index}"] = $"credential.{scheme}://{credential.Host}.helper";
            environment[$"GIT_CONFIG_VALUE_{index++}"] = Helper;
        }

        environment["GIT_CONFIG_COUNT"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return environment;
    }

    private static GitResult ClassifyNetwork(GitOutput output)
    {
        var all = output.Text + output.Error;
        if (all.Contains("Authentication failed", StringComparison.Ordinal) || all.Contains("could not read Username", StringComparison.Ordinal)
            || all.Contains("could not read Password", StringComparison.Ordinal) || all.Contains("The requested URL returned error: 403", StringComparison.Ordinal)
            || all.Contains("The requested URL returned error: 401", StringComparison.Ordinal) || all.Contains("terminal prompts disabled", StringComparison.Ordinal))
        {
            return new GitResult(false, GitErrorKind.AuthenticationFailed,
                "Authentication failed: the Git host refused your credential. Add or renew a token for this host in Settings → Git credentials.");
        }

        return Failure(output);
    }

    private static GitResult Failure(GitOutput output)
    {
        var message = string.Join('\n', (output.Error + output.Text).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("hint:", StringComparison.Ordinal)).Take(6));
        return new GitResult(false, GitErrorKind.Failed, message.Length == 0 ? $"git failed (exit code {output.ExitCode})." : message);
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    /// <summary>Status must not take the index lock: a terminal's git would then fail with "index.lock exists".</summary>
    private static readonly Dictionary<string, string> ReadOnly = new() { ["GIT_OPTIONAL_LOCKS"] = "0" };
}

/// <summary>The user's stored credential for the repository's host (from the web app).</summary>
public sealed record GitHostCredential(string Host, string Username, string Password)
{
    public override string ToString() => $"GitHostCredential {{ Host = {Host}, Username = {Username} }}";
}

/// <summary>The signed-in user, for commits in a repository that names nobody.</summary>
public sealed record GitIdentity(string Name, string Email);
