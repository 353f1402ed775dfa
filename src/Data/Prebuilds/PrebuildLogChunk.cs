namespace Workspaces.Data.Prebuilds;

/// <summary>
/// A piece of a prebuild's log, in order of <see cref="Offset"/>: the UTF-8 bytes written in one batch. Offsets count
/// every byte the prebuild wrote, so a gap between two chunks is output dropped by the log's size cap (its middle).
/// </summary>
public sealed class PrebuildLogChunk
{
    public required string PrebuildId { get; set; }

    /// <summary>Where <see cref="Content"/> starts in the log, in bytes.</summary>
    public long Offset { get; set; }

    /// <summary>UTF-8 text, whole characters (a chunk never starts or ends inside one).</summary>
    public required byte[] Content { get; set; }
}
