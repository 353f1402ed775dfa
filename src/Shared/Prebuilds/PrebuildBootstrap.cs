namespace Workspaces.Shared.Prebuilds;

/// <summary>
/// What a start has to do with prebuilds. <see cref="Headless"/>: this agent runs a prebuild (clone the commit, run
/// <c>before</c> and <c>init</c>, never <c>command</c>). <see cref="FromPrebuildId"/>: this workspace's checkout was just
/// restored from that prebuild's snapshot; the agent fetches, checks that the prebuild's commit is an ancestor of the
/// branch's head within <see cref="MaxCommitsBehind"/> commits, checks the head out and runs only <c>before</c> and
/// <c>command</c>.
/// </summary>
/// <param name="Commit">The commit a headless prebuild runs on; null: the head of the branch it cloned.</param>
/// <param name="RestoreMilliseconds">How long restoring the snapshot took, for the task log.</param>
public sealed record PrebuildBootstrap(
    bool Headless,
    string? Commit,
    string? FromPrebuildId,
    string? FromCommit,
    int MaxCommitsBehind,
    long RestoreMilliseconds)
{
    /// <summary>
    /// Where the checkout's <see cref="PrebuildArchive"/> goes (headless: the agent uploads it once <c>init</c> is done)
    /// or comes from (a start from a prebuild: the agent restores it before cloning): a presigned S3 URL, a credential.
    /// Null where the runtime snapshots the files itself (local snapshots, CSI VolumeSnapshots).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public Uri? ArchiveUrl { get; init; }

    /// <summary>Never print the archive's URL.</summary>
    public override string ToString() => $"PrebuildBootstrap {{ Headless = {Headless}, Commit = {Commit}, FromPrebuildId = {FromPrebuildId} }}";
}

/// <summary>What the agent found about prebuilds, in its status.</summary>
/// <param name="Commit">The commit checked out.</param>
/// <param name="Used">The restored prebuild is the checkout's base (its <c>init</c> was not run again).</param>
/// <param name="CommitsBehind">How many commits the prebuild's commit is behind <paramref name="Commit"/>, when used.</param>
/// <param name="Note">Why a restored prebuild was not used, for the start screen.</param>
public sealed record PrebuildReport(string Commit, string? FromPrebuildId, string? FromCommit, bool Used, int? CommitsBehind, string? Note)
{
    /// <summary>"from prebuild 3f2a1c (2 commits behind)", as the start screen and the task log say it.</summary>
    public string? Summary => Used && FromCommit is { } from
        ? $"from prebuild {ShortCommit(from)} ({(CommitsBehind is 0 or null ? "same commit" : CommitsBehind == 1 ? "1 commit behind" : $"{CommitsBehind} commits behind")})"
        : null;

    public static string ShortCommit(string commit) => commit.Length > 6 ? commit[..6] : commit;
}
