namespace Workspaces.Shared.SourceControl;

/// <summary>
/// The source control hub the agent serves at <see cref="Path"/>: <c>git</c> in the checkout. Pull and push use the
/// credential the web app adds to the hub connection (<see cref="CredentialHeader"/>), never one the browser sends.
/// </summary>
/// <remarks>
/// Hub methods: <c>GitStatus Status()</c>, <c>GitDiffContents Diff(string path, bool staged)</c>,
/// <c>GitResult Stage(string[] paths)</c>, <c>GitResult Unstage(string[] paths)</c>, <c>GitResult Commit(string message)</c>,
/// <c>GitResult Pull()</c>, <c>GitResult Push()</c>, <c>GitBranches Branches()</c>, <c>GitResult CreateBranch(string name)</c>,
/// <c>GitResult SwitchBranch(string name)</c>.
/// </remarks>
public static class SourceControlHubContract
{
    public const string Path = "/hubs/source-control";

    /// <summary>On the forwarded connection: <c>{host} {base64(username:token)}</c> for the workspace repository's host.</summary>
    public const string CredentialHeader = "X-Workspaces-Git-Credential";

    /// <summary>On the forwarded connection: the signed-in user, for commits when the repository configures no identity.</summary>
    public const string UserNameHeader = "X-Workspaces-User-Name";

    public const string UserEmailHeader = "X-Workspaces-User-Email";

    /// <summary>The summary the dashboard shows, at <c>GET /api/git/summary</c> (also part of the agent status).</summary>
    public const string SummaryPath = "/api/git/summary";
}

/// <param name="Index">The staged change: M, A, D, R, C, T, U or empty.</param>
/// <param name="WorkTree">The unstaged change: M, D, T, U, ? (untracked) or empty.</param>
public sealed record GitChange(string Path, string? OriginalPath, string Index, string WorkTree, bool Conflicted);

/// <param name="Unpushed">Commits on the current branch that no remote branch has.</param>
public sealed record GitStatus(
    bool IsRepository,
    string? Branch,
    string? Upstream,
    int Ahead,
    int Behind,
    int Unpushed,
    IReadOnlyList<GitChange> Changes,
    string? Error);

/// <param name="Original">HEAD (for a staged diff) or the index (unstaged); empty for a new file.</param>
/// <param name="Modified">The index (staged) or the working file (unstaged); empty for a deleted file.</param>
public sealed record GitDiffContents(string Path, string Original, string Modified, bool Binary);

public enum GitErrorKind
{
    None,
    NotARepository,
    GitMissing,
    NothingToCommit,
    InvalidName,
    NoRemote,
    AuthenticationFailed,
    NonFastForward,
    Conflict,
    LocalChangesWouldBeOverwritten,
    Failed,
}

public sealed record GitResult(bool Ok, GitErrorKind Error, string Message);

public sealed record GitBranch(string Name, bool IsRemote, bool IsCurrent);

public sealed record GitBranches(string? Current, IReadOnlyList<GitBranch> Branches);

/// <summary>What the dashboard shows so nobody deletes work unknowingly.</summary>
public sealed record GitSummary(string? Branch, int UncommittedChanges, int UnpushedCommits, DateTimeOffset CheckedAt);
