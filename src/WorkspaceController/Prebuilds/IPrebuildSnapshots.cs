namespace Workspaces.WorkspaceController.Prebuilds;

/// <summary>
/// Where a runtime keeps prebuilds' snapshots: the checkout of a finished (stopped) prebuild workspace, copied out, and
/// copied into a new workspace before its agent starts. Only the checkout is kept: the agent's state directory (its
/// secret files, logs, markers) and its home are never part of a snapshot.
/// </summary>
public interface IPrebuildSnapshots
{
    /// <summary>
    /// Snapshots the checkout of a stopped workspace that is deleted next (the runtime may keep the checkout itself as a
    /// ready copy); throws <see cref="SnapshotTooLargeException"/> above <paramref name="maxBytes"/>.
    /// </summary>
    Task<PrebuildSnapshot> SnapshotAsync(string workspaceId, string checkoutDirectoryName, string prebuildId, long maxBytes, CancellationToken cancellationToken);

    /// <summary>True when the workspace has files of its own already (a restore would overwrite them: never done).</summary>
    bool HasCheckout(string workspaceId, string checkoutDirectoryName);

    /// <summary>Restores a snapshot as the checkout of a new workspace; throws <see cref="SnapshotUnusableException"/> when it is missing or corrupt.</summary>
    Task RestoreAsync(string prebuildId, string workspaceId, string checkoutDirectoryName, CancellationToken cancellationToken);

    /// <summary>Removes a snapshot (nothing when there is none).</summary>
    Task DeleteAsync(string prebuildId, CancellationToken cancellationToken);

    /// <summary>The prebuild ids that have a snapshot stored, to collect those no record points to.</summary>
    Task<IReadOnlyList<string>> ListSnapshotsAsync(CancellationToken cancellationToken);
}

/// <param name="Storage"><c>reflink</c> (copy-on-write clones) or <c>archive</c> (tar + zstd).</param>
/// <param name="SizeBytes">The checkout's size (the sum of its files' sizes).</param>
/// <param name="StoredBytes">What the snapshot takes on disk (the archive's size; for clones, the files' size, shared with the source until changed).</param>
public sealed record PrebuildSnapshot(string Storage, long SizeBytes, long StoredBytes, int Files);

public sealed class SnapshotTooLargeException(long sizeBytes, long limitBytes)
    : Exception($"The prebuild's files take {sizeBytes / 1048576.0:0.0} MiB, above the limit of {limitBytes / 1048576.0:0.0} MiB (Workspaces:Prebuilds:MaxSnapshotBytes).")
{
    public long SizeBytes { get; } = sizeBytes;
}

public sealed class SnapshotUnusableException(string message, Exception? inner = null) : Exception(message, inner);
