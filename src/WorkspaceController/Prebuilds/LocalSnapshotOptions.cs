namespace Workspaces.WorkspaceController.Prebuilds;

public enum SnapshotStorageMode
{
    /// <summary>Copy-on-write clones when the filesystem has them (Btrfs, XFS), else an archive.</summary>
    Auto,
    Reflink,
    Archive,
}

/// <summary>Where the local runtime keeps prebuild snapshots (section <c>Workspaces:Prebuilds:Storage</c>).</summary>
public sealed class LocalSnapshotOptions
{
    public const string SectionName = "Workspaces:Prebuilds:Storage";

    /// <summary>Defaults to <c>{DataDirectory}/prebuilds</c>; clones need it on the workspaces' filesystem.</summary>
    public string Directory { get; set; } = "";

    public SnapshotStorageMode Mode { get; set; } = SnapshotStorageMode.Auto;

    /// <summary>zstd's level for archives (1 fastest … 19).</summary>
    public int CompressionLevel { get; set; } = 3;

    /// <summary>
    /// Keep one unpacked copy of each snapshot beside it, so that a start from the prebuild moves a directory instead of
    /// unpacking tens of thousands of files (a warm pool, as Coder keeps ready workspaces). Costs the checkout's size on
    /// disk once more per kept prebuild (shared extents with reflinks).
    /// </summary>
    public bool KeepWarmCopy { get; set; } = true;
}
